"""Units coming in and going out outside checkout: receiving, returns, manual adjustments.

Every change of on_hand leaves a ledger row in the same transaction.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.catalog.models import Variant
from apps.inventory import locks
from apps.inventory.exceptions import InsufficientStock, InvalidQuantity, UnknownStockItem
from apps.inventory.models import Reservation, StockLevel, StockMovement, Warehouse
from apps.inventory.services import alerts, backorders
from apps.inventory.services.counters import change_counters, release_holds, write_ledger
from apps.inventory.validation import MAX_STOCK_LEVEL, check_delta, check_quantity
from apps.search import services as search_services

# A sale is recorded only by committing a reservation; everything else may be keyed in.
ADJUSTMENT_REASONS = (
    StockMovement.Reason.ADJUSTMENT,
    StockMovement.Reason.RESTOCK,
    StockMovement.Reason.RETURN,
    StockMovement.Reason.CORRECTION,
    StockMovement.Reason.INITIAL,
)


def create_warehouse(
    *, name: str, country: str = "US", priority: int = 100, address: str = "", active: bool = True
) -> Warehouse:
    return Warehouse.objects.create(
        name=name, country=country, priority=priority, address=address, active=active
    )


DEFAULT_WAREHOUSE_NAME = "Main warehouse"


@transaction.atomic
def create_default_warehouse(*, country: str) -> Warehouse | None:
    """A new store's one stock location, unless the store has a location already (idempotent).

    Returns the warehouse created, or None. Stock entered without a location (the API's plain
    ``stock`` number, the CSV's ``stock`` column) goes to the first active location by priority.
    """
    if Warehouse.objects.exists():
        return None
    return Warehouse.objects.create(name=DEFAULT_WAREHOUSE_NAME, country=country, priority=10)


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
    check_quantity(quantity)
    return _add_units(
        variant_id=variant_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        reason=StockMovement.Reason.RESTOCK,
        actor_id=actor_id,
        note=note,
    )


@transaction.atomic
def restock_return(
    *,
    variant_id: int,
    warehouse_id: int,
    quantity: int,
    order_reference: str = "",
    actor_id: int | None = None,
    note: str = "",
) -> StockLevel:
    """Put returned units back on the shelf and record a ``return`` ledger row."""
    check_quantity(quantity)
    return _add_units(
        variant_id=variant_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        reason=StockMovement.Reason.RETURN,
        order_reference=order_reference,
        actor_id=actor_id,
        note=note,
    )


@transaction.atomic
def adjust_stock(
    *,
    variant_id: int,
    warehouse_id: int,
    delta: int,
    reason: str,
    actor_id: int | None = None,
    note: str = "",
) -> StockLevel:
    """Change on_hand by ``delta`` (a count, damage, found units) with a ledger row.

    Units promised to checkouts cannot be taken away: a decrease below ``reserved`` raises
    ``InsufficientStock``, after reclaiming the row's expired holds.
    """
    check_delta(delta)
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidQuantity(
            "Choose a reason: adjustment, restock, return or correction.",
            code="invalid_reason",
            extra={"reason": reason},
        )
    if delta > 0:
        return _add_units(
            variant_id=variant_id,
            warehouse_id=warehouse_id,
            quantity=delta,
            reason=reason,
            actor_id=actor_id,
            note=note,
        )
    return _remove_units(
        variant_id=variant_id,
        warehouse_id=warehouse_id,
        quantity=-delta,
        reason=reason,
        actor_id=actor_id,
        note=note,
    )


@transaction.atomic
def set_stock_level(
    *,
    variant_id: int,
    warehouse_id: int,
    on_hand: int,
    actor_id: int | None = None,
    note: str = "",
) -> StockLevel | None:
    """Bring on_hand to a counted number (the product page's stock cells) with one ledger row.

    The reason is ``initial`` for the first units a location ever records for the variant,
    else ``adjustment``. The difference is taken under the stock row's lock, so two people
    saving at once both land on a ledger that sums to on_hand. Returns None when nothing
    changes (no row, no ledger entry).
    """
    if on_hand != 0:
        check_quantity(on_hand, field="on_hand")
    _check_stock_item(variant_id, warehouse_id)
    locks.lock_waiting_backorders([variant_id])  # level 0b first, as adding units takes it
    level_id = (
        StockLevel.objects.filter(variant_id=variant_id, warehouse_id=warehouse_id)
        .values_list("pk", flat=True)
        .first()
    )
    current = locks.lock_stock_levels([level_id])[level_id].on_hand if level_id else 0
    delta = on_hand - current
    if delta == 0:
        return None
    first = not StockMovement.objects.filter(
        variant_id=variant_id, warehouse_id=warehouse_id
    ).exists()
    reason = (
        StockMovement.Reason.INITIAL if first and delta > 0 else StockMovement.Reason.ADJUSTMENT
    )
    return adjust_stock(
        variant_id=variant_id,
        warehouse_id=warehouse_id,
        delta=delta,
        reason=reason,
        actor_id=actor_id,
        note=note,
    )


def _add_units(
    *,
    variant_id: int,
    warehouse_id: int,
    quantity: int,
    reason: str,
    actor_id: int | None,
    note: str,
    order_reference: str = "",
) -> StockLevel:
    _check_stock_item(variant_id, warehouse_id)
    # Level 0b before the stock row: arriving units go to waiting back-orders first.
    waiting = locks.lock_waiting_backorders([variant_id])
    level, _ = StockLevel.objects.get_or_create(variant_id=variant_id, warehouse_id=warehouse_id)
    # One conditional statement: concurrent receipts add up, and the 32-bit counter never
    # overflows into an SQL error.
    added = StockLevel.objects.filter(pk=level.pk, on_hand__lte=MAX_STOCK_LEVEL - quantity).update(
        on_hand=F("on_hand") + quantity, updated_at=timezone.now()
    )
    if added != 1:
        raise InvalidQuantity(
            "That would put more units on hand than a stock level can hold.",
            extra={"quantity": quantity},
        )
    write_ledger(
        [
            StockMovement(
                variant_id=variant_id,
                warehouse_id=warehouse_id,
                delta=quantity,
                reason=reason,
                order_reference=order_reference,
                actor_id=actor_id,
                note=note,
            )
        ]
    )
    if waiting and level.warehouse.active:
        backorders.fill_waiting_backorders(waiting, [locks.lock_stock_levels([level.pk])[level.pk]])
    alerts.resolve_restocked_alerts(variant_ids=[variant_id])
    search_services.mark_stock_changed(variant_ids=[variant_id])  # "in stock" facet
    level.refresh_from_db()
    return level


def _remove_units(
    *, variant_id: int, warehouse_id: int, quantity: int, reason: str, actor_id, note: str
) -> StockLevel:
    _check_stock_item(variant_id, warehouse_id)
    level_id = (
        StockLevel.objects.filter(variant_id=variant_id, warehouse_id=warehouse_id)
        .values_list("pk", flat=True)
        .first()
    )
    if level_id is None:
        raise InsufficientStock(
            "There is no stock of this item in that warehouse.",
            extra={"lines": [{"variant_id": variant_id, "requested": quantity, "available": 0}]},
        )
    now = timezone.now()
    # Lock order (locks.py): expired holds of the row, then the row. An expired hold never
    # stands in the way of a correction.
    expired = locks.lock_reservations(expired_on_stock_ids=[level_id], now=now)
    level = locks.lock_stock_levels([level_id])[level_id]
    freed = release_holds(
        expired, reason_for=lambda hold: Reservation.ReleaseReason.EXPIRED, now=now
    ).get(level_id, 0)
    reserved = level.reserved - freed
    if level.on_hand - quantity < reserved:
        raise InsufficientStock(
            "Units held by checkouts cannot be removed; release them or remove fewer.",
            extra={
                "lines": [
                    {
                        "variant_id": variant_id,
                        "requested": quantity,
                        "available": level.on_hand - reserved,
                    }
                ]
            },
        )
    change_counters({level_id: (-quantity, -freed)}, now=now)
    write_ledger(
        [
            StockMovement(
                variant_id=variant_id,
                warehouse_id=warehouse_id,
                delta=-quantity,
                reason=reason,
                actor_id=actor_id,
                note=note,
            )
        ]
    )
    alerts.queue_check_if_low([variant_id])
    search_services.mark_stock_changed(variant_ids=[variant_id])
    level.refresh_from_db()
    return level


def _check_stock_item(variant_id: int, warehouse_id: int) -> None:
    if not (
        isinstance(variant_id, int)
        and isinstance(warehouse_id, int)
        and Variant.objects.filter(pk=variant_id).exists()
        and Warehouse.objects.filter(pk=warehouse_id).exists()
    ):
        raise UnknownStockItem(
            "No such variant or warehouse.",
            extra={"variant_id": repr(variant_id), "warehouse_id": repr(warehouse_id)},
        )
