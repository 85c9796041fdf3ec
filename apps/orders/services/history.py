"""An order's history and its one status machine: every status change leaves an OrderEvent."""

import logging

from apps.orders.exceptions import InvalidOrderTransition
from apps.orders.models import Order, OrderEvent
from apps.orders.transitions import can_transition

logger = logging.getLogger(__name__)


def record_order_event(
    *,
    order_id: int,
    type: str,
    message: str = "",
    data: dict | None = None,
    actor_id: int | None = None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order_id=order_id, type=type, message=message, data=data or {}, actor_id=actor_id
    )


def transition(
    order: Order,
    new_status: str,
    *,
    event: str,
    actor_id=None,
    also_saving: tuple[str, ...] = (),
    **event_data,
) -> None:
    """Move ``order`` (locked by the caller) to ``new_status`` if the status machine allows it.

    ``also_saving``: other fields the caller changed, written in the same UPDATE.
    """
    if not can_transition(order.status, new_status):
        raise InvalidOrderTransition(
            f"Order #{order.number} cannot go from {order.get_status_display().lower()} to "
            f"{Order.Status(new_status).label.lower()}.",
            extra={"order": order.number, "from": order.status, "to": new_status},
        )
    old_status = order.status
    order.status = new_status
    order.save(update_fields=["status", "updated_at", *also_saving])
    record_order_event(
        order_id=order.id,
        type=event,
        data={"from": old_status, "to": new_status, **event_data},
        actor_id=actor_id,
    )
    logger.info("order #%s: %s → %s", order.number, old_status, new_status)
