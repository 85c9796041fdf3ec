"""Refunds booked on the order; the payments app calls the provider first."""

from decimal import Decimal

from django.db import transaction

from apps.core.money import quantize
from apps.orders import locks
from apps.orders.exceptions import InvalidRefund
from apps.orders.models import Order, OrderEvent
from apps.orders.services import emails, history


def check_refund(order: Order, amount: Decimal) -> Decimal:
    """Validate a refund amount against what is left; return it quantized."""
    amount = quantize(amount, order.currency)
    if order.payment_status not in (
        Order.PaymentStatus.PAID,
        Order.PaymentStatus.PARTIALLY_REFUNDED,
    ):
        raise InvalidRefund(f"Order #{order.number} has no payment to refund.")
    if amount <= 0 or amount > order.refundable_amount:
        raise InvalidRefund(
            f"Refund must be more than 0 and at most {order.refundable_amount} {order.currency}.",
            extra={"refundable": str(order.refundable_amount), "amount": str(amount)},
        )
    return amount


@transaction.atomic
def record_refund(
    *,
    order_id: int,
    amount: Decimal,
    actor_id: int | None = None,
    reference: str = "",
    reason: str = "",
) -> Order:
    """Book a refund the payment provider has made (callers ensure each refund is booked once)."""
    order = locks.lock_order(order_id)
    amount = check_refund(order, amount)
    order.amount_refunded += amount
    fully = order.amount_refunded == order.total
    if order.base_total is not None:
        # Fully refunded: exactly the base total (per-refund rounding must not leave a cent).
        refunded = order.base_total if fully else order.to_base(order.amount_refunded)
        order.base_amount_refunded = refunded
    order.payment_status = (
        Order.PaymentStatus.REFUNDED if fully else Order.PaymentStatus.PARTIALLY_REFUNDED
    )
    order.save(
        update_fields=["amount_refunded", "base_amount_refunded", "payment_status", "updated_at"]
    )
    data: dict = {"amount": str(amount), "reference": reference, "reason": reason}
    if fully and order.status != Order.Status.CANCELLED:
        history.transition(
            order, Order.Status.REFUNDED, event=OrderEvent.Type.REFUNDED, actor_id=actor_id, **data
        )
    else:
        history.record_order_event(
            order_id=order.id, type=OrderEvent.Type.REFUNDED, data=data, actor_id=actor_id
        )
    emails.queue_email(order, "refunded", amount=str(amount))
    return order
