"""Cancelling orders: by the merchant or the customer, and when an unpaid hold lapses."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.observability import metrics
from apps.orders import events, locks
from apps.orders.models import Order, OrderEvent
from apps.orders.services import history, restocking
from apps.preferences.selectors import get_store_settings


@transaction.atomic
def cancel_order(*, order_id: int, actor_id: int | None = None, reason: str = "") -> Order:
    """Cancel: a pending order releases its stock hold; a paid, unshipped one is restocked.

    Refunding a paid order is the caller's next step (payments service, outside this
    transaction, since it calls the provider).
    """
    order = locks.lock_order(order_id)
    if order.status == Order.Status.CANCELLED:
        return order
    was_paid = order.status == Order.Status.PAID
    history.transition(
        order, Order.Status.CANCELLED, event=OrderEvent.Type.CANCELLED, actor_id=actor_id,
        reason=reason,
    )  # fmt: skip
    # Units still owed to the order never left the shelf: its back-orders are cancelled
    # (first: lock level 0b) and only the rest is restocked.
    owed = (
        inventory_services.cancel_backorders(reference=order.reservation_reference)
        if order.has_backorder
        else {}
    )
    if was_paid:
        for line in order.lines.exclude(variant=None):
            units = line.quantity - min(owed.pop(line.variant_id or 0, 0), line.quantity)
            if units:
                restocking.restock_line(
                    line, units, order, actor_id=actor_id, note="Order cancelled"
                )
    else:
        inventory_services.release_reservation(reference=order.reservation_reference)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["cancelled_at", "updated_at"])
    events.emit_order_event(order, "order.cancelled")
    metrics.count_on_commit(metrics.orders_cancelled)
    return order


def cancel_expired_orders(*, now=None, limit: int = 200) -> int:
    """Cancel pending orders whose stock hold has lapsed (architecture §3 step 5).

    Tidiness, not correctness: an expired hold already stops blocking other shoppers.
    Returns how many orders were cancelled; safe to run repeatedly.
    """
    now = now or timezone.now()
    cancelled = 0
    pending = Order.objects.filter(status=Order.Status.PENDING).order_by("id")[:limit]
    for order in pending:
        # The hold's own deadline counts, not its state: a declined payment releases the units
        # at once, yet the shopper may still retry with another card until the deadline.
        expires_at = inventory_selectors.get_hold_expiry(reference=order.reservation_reference)
        if expires_at is None and not order.lines.filter(is_gift_card=False).exists():
            # Gift cards alone hold no stock: the order gets as long as a hold would.
            minutes = get_store_settings().reservation_minutes
            expires_at = order.created_at + timedelta(minutes=minutes)
        if expires_at is not None and expires_at > now:
            continue
        cancel_order(order_id=order.id, reason="Payment not received before the hold expired")
        cancelled += 1
    return cancelled
