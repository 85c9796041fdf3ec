"""Units an order gives back go to the warehouse they were sold from (a ``return`` ledger row)."""

from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.orders.exceptions import InvalidReturn
from apps.orders.models import Order, OrderLine


def restock_line(line: OrderLine, quantity: int, order: Order, *, actor_id, note: str) -> None:
    """Units come back to the warehouse they were sold from (a ``return`` ledger row).

    ``line`` still has its variant (callers skip lines whose variant was deleted).
    """
    assert line.variant_id is not None
    warehouse_id = inventory_selectors.get_restock_warehouse_id(
        variant_id=line.variant_id, order_reference=str(order.number)
    )
    if warehouse_id is None:
        raise InvalidReturn("There is no active warehouse to put the units back into.")
    inventory_services.restock_return(
        variant_id=line.variant_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        order_reference=str(order.number),
        actor_id=actor_id,
        note=note,
    )
