"""Shipping an order's units (fulfilments) and marking it delivered."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from apps.observability import metrics
from apps.orders import events, locks
from apps.orders.exceptions import InvalidFulfillment, InvalidOrderTransition
from apps.orders.models import Fulfillment, FulfillmentLine, Order, OrderEvent
from apps.orders.services import emails, history


@transaction.atomic
def fulfill_order(
    *,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    carrier: str = "",
    tracking_number: str = "",
    actor_id: int | None = None,
) -> Fulfillment:
    """Ship some or all remaining units: ``lines`` are (order_line_id, quantity)."""
    order = locks.lock_order(order_id)
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_FULFILLED):
        raise InvalidOrderTransition(
            f"Order #{order.number} is {order.get_status_display().lower()}; only paid orders "
            "can be fulfilled.",
            extra={"order": order.number, "status": order.status},
        )
    order_lines = {line.id: line for line in order.lines.select_for_update()}
    requested = [(line_id, qty) for line_id, qty in lines if qty]
    if not requested:
        raise InvalidFulfillment("Choose at least one item to ship.")
    for line_id, quantity in requested:
        line = order_lines.get(line_id)
        if line is None or quantity < 0 or quantity > line.quantity_unfulfilled:
            raise InvalidFulfillment(
                "A line cannot ship more than it has left.",
                extra={"line": line_id, "quantity": quantity},
            )
    fulfillment = Fulfillment.objects.create(
        order=order, carrier=carrier.strip(), tracking_number=tracking_number.strip()
    )
    for line_id, quantity in requested:
        line = order_lines[line_id]
        FulfillmentLine.objects.create(fulfillment=fulfillment, order_line=line, quantity=quantity)
        line.quantity_fulfilled += quantity
        line.save(update_fields=["quantity_fulfilled"])
    everything_shipped = all(line.quantity_unfulfilled == 0 for line in order_lines.values())
    new_status = Order.Status.FULFILLED if everything_shipped else Order.Status.PARTIALLY_FULFILLED
    if new_status != order.status:
        history.transition(
            order, new_status, event=OrderEvent.Type.FULFILLED, actor_id=actor_id,
            fulfillment=fulfillment.id, carrier=carrier, tracking_number=tracking_number,
        )  # fmt: skip
    else:
        history.record_order_event(
            order_id=order.id, type=OrderEvent.Type.FULFILLED, actor_id=actor_id,
            data={"fulfillment": fulfillment.id, "tracking_number": tracking_number},
        )  # fmt: skip
    emails.queue_email(order, "shipped", fulfillment_id=fulfillment.id)
    events.emit_order_event(order, "order.fulfilled")
    metrics.record_fulfilment(paid_at=order.paid_at, shipped_at=fulfillment.shipped_at)
    return fulfillment


@transaction.atomic
def mark_order_delivered(*, order_id: int, actor_id: int | None = None) -> Order:
    order = locks.lock_order(order_id)
    history.transition(
        order, Order.Status.DELIVERED, event=OrderEvent.Type.DELIVERED, actor_id=actor_id
    )
    order.fulfillments.filter(delivered_at=None).update(delivered_at=timezone.now())
    emails.queue_email(order, "delivered")
    return order
