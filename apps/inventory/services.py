"""Writes to stock. Every change of on_hand leaves a ledger row in the same transaction."""

from django.db import transaction
from django.db.models import F

from apps.inventory.exceptions import InvalidQuantity
from apps.inventory.models import StockLevel, StockMovement, Warehouse

MAX_QUANTITY = 1_000_000


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidQuantity("Quantity must be a whole number.", extra={"quantity": quantity})
    if not 0 < quantity <= MAX_QUANTITY:
        raise InvalidQuantity(
            f"Quantity must be between 1 and {MAX_QUANTITY}.", extra={"quantity": quantity}
        )


def create_warehouse(*, name: str, country: str = "US", priority: int = 100) -> Warehouse:
    return Warehouse.objects.create(name=name, country=country, priority=priority)


@transaction.atomic
def receive_stock(
    *,
    variant_id: int,
    warehouse_id: int,
    quantity: int,
    actor_id: int | None = None,
    note: str = "",
) -> StockLevel:
    """Add received units to a warehouse's stock and record a restock ledger row."""
    _check_quantity(quantity)
    level, _ = StockLevel.objects.get_or_create(variant_id=variant_id, warehouse_id=warehouse_id)
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    StockMovement.objects.create(
        variant_id=variant_id,
        warehouse_id=warehouse_id,
        delta=quantity,
        reason=StockMovement.Reason.RESTOCK,
        actor_id=actor_id,
        note=note,
    )
    level.refresh_from_db()
    return level
