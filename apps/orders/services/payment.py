"""Payment outcomes on the order: paid (stock committed) or failed (units back on sale).

Network calls never happen here: the payments app calls the provider, then these services.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.money import quantize
from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock, ReservationNotFound
from apps.observability import metrics
from apps.orders import events, locks
from apps.orders.exceptions import OrderNotPayable
from apps.orders.models import Order, OrderEvent
from apps.orders.services import emails, history


@transaction.atomic
def mark_order_paid(*, order_id: int, amount: Decimal, payment_reference: str = "") -> Order:
    """Payment succeeded: commit the stock hold, mark paid, queue the confirmation.

    Idempotent: a second success for a paid order changes nothing. Raises OrderNotPayable when
    the order was cancelled (its hold expired); the caller refunds the payment.
    """
    return mark_locked_order_paid(
        order=locks.lock_order(order_id), amount=amount, payment_reference=payment_reference
    )


def mark_locked_order_paid(*, order: Order, amount: Decimal, payment_reference: str = "") -> Order:
    """``mark_order_paid`` for an order the caller's transaction has locked (``locks``).

    Raises OrderNotPayable before writing anything (the stock commit undoes its own writes
    when it refuses), so the caller's transaction stays usable without a savepoint.
    """
    if order.payment_status == Order.PaymentStatus.PAID or order.paid_at is not None:
        return order
    if order.status != Order.Status.PENDING:
        raise OrderNotPayable(
            f"Order #{order.number} is {order.get_status_display().lower()} and cannot be paid.",
            extra={"order": order.number, "status": order.status},
        )
    if quantize(amount, order.currency) != order.total:
        raise OrderNotPayable(
            f"Payment of {amount} does not match the order total {order.total}.",
            extra={"order": order.number, "amount": str(amount), "total": str(order.total)},
        )
    try:
        inventory_services.commit_reservation(
            reference=order.reservation_reference, order_reference=str(order.number)
        )
    except ReservationNotFound:
        if not (order.has_backorder or order.has_gift_cards):
            raise
        # Nothing was held: every unit was sold beyond stock (the back-orders below are all),
        # or the order is of gift cards only, which hold no stock.
    except InsufficientStock as exc:
        # The hold expired and the units were sold to someone else meanwhile.
        raise OrderNotPayable(
            f"Order #{order.number}'s items are no longer in stock.",
            extra={"order": order.number, **exc.extra},
        ) from exc
    if order.has_backorder:  # after the holds' commit, which may still refuse
        inventory_services.confirm_backorders(
            reference=order.reservation_reference, order_reference=str(order.number)
        )
    order.payment_status = Order.PaymentStatus.PAID
    order.paid_at = timezone.now()
    history.transition(
        order, Order.Status.PAID, event=OrderEvent.Type.PAID, payment=payment_reference,
        also_saving=("payment_status", "paid_at"),
    )  # fmt: skip
    emails.queue_email(order, "confirmed")
    events.emit_order_event(order, "order.paid")
    metrics.record_order_paid(placed_at=order.created_at, paid_at=order.paid_at)
    return order


@transaction.atomic
def mark_payment_failed(*, order_id: int, reason: str = "") -> Order:
    """A payment attempt failed: the order stays pending and its units go back on sale.

    The shopper may retry with another card until the hold's deadline; a later success
    re-takes the units if they are still free (``commit_reservation``), else it is refunded.
    """
    order = locks.lock_order(order_id)
    if order.status == Order.Status.PENDING:
        order.payment_status = Order.PaymentStatus.FAILED
        order.save(update_fields=["payment_status", "updated_at"])
        inventory_services.release_reservation(reference=order.reservation_reference)
    history.record_order_event(
        order_id=order.id, type=OrderEvent.Type.PAYMENT_FAILED, message=reason[:255]
    )
    return order
