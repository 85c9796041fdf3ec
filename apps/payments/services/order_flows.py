"""Flows that span an order change and a payment-provider call.

Each step is its own transaction: the order change commits first, then the provider is called
(never inside a transaction), then the refund is booked. They live here, above the orders app:
orders never call the payments app.
"""

from decimal import Decimal

from apps.orders import services
from apps.orders.models import Order, Return
from apps.payments.services.refunds import refund_order


def cancel_and_refund(
    order: Order, actor_id: int | None, *, reason: str = "", refund: bool = True
) -> None:
    """Cancel (releasing or restocking the stock), then refund a paid order in full."""
    was_paid = order.payment_status == Order.PaymentStatus.PAID
    services.cancel_order(order_id=order.id, actor_id=actor_id, reason=reason)
    if refund and was_paid:
        refund_order(
            order_id=order.id, amount=order.total, actor_id=actor_id, reason="Order cancelled"
        )


def receive_return_and_refund(return_request: Return, actor_id: int | None) -> Return:
    """Returned units arrived: restock them (ledger rows), then refund their value."""
    received = services.receive_return(return_id=return_request.id, actor_id=actor_id)
    if received.refund_amount > 0:
        refund_order(
            order_id=received.order_id,
            amount=received.refund_amount,
            actor_id=actor_id,
            reason=f"Return {received.id}",
        )
    return received


def refund_lines(
    order: Order,
    actor_id: int | None,
    *,
    lines: list[tuple[int, int]],
    restock: bool,
    amount: Decimal | None = None,
    reason: str = "",
) -> Decimal:
    """Refund by lines and/or an amount (the order page's refund form).

    Shipped units chosen in ``lines`` are taken back first (restocked unless ``restock`` is
    off), then the payment is refunded: ``amount`` if given, else those units' value. Returns
    the amount refunded.
    """
    if lines:
        taken = services.take_back_lines(
            order_id=order.id, lines=lines, restock=restock, actor_id=actor_id, reason=reason
        )
        if amount is None:
            amount = taken.refund_amount
    if amount:
        refund_order(order_id=order.id, amount=amount, actor_id=actor_id, reason=reason)
    return amount or Decimal("0")
