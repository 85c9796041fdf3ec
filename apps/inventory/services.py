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


# --- PROVISIONAL (checkout branch): the inventory branch replaces these at merge -------------


@transaction.atomic
def reserve(*, reference: str, lines, minutes: int | None = None) -> list:
    from datetime import timedelta

    from django.utils import timezone

    from apps.inventory.exceptions import InsufficientStock
    from apps.inventory.models import Reservation
    from apps.preferences.selectors import get_store_settings

    release_reservation(reference=reference)
    minutes = minutes or get_store_settings().reservation_minutes
    expires = timezone.now() + timedelta(minutes=minutes)
    made, short = [], []
    for variant_id, quantity in sorted(lines):
        _check_quantity(quantity)
        left = quantity
        for level in StockLevel.objects.filter(
            variant_id=variant_id, warehouse__active=True
        ).order_by("warehouse__priority", "id"):
            take = min(left, level.on_hand - level.reserved)
            if take <= 0:
                continue
            updated = StockLevel.objects.filter(
                pk=level.pk, on_hand__gte=F("reserved") + take
            ).update(reserved=F("reserved") + take)
            if updated:
                made.append(
                    Reservation.objects.create(
                        reference=reference, variant_id=variant_id,
                        warehouse_id=level.warehouse_id, quantity=take, expires_at=expires,
                    )
                )  # fmt: skip
                left -= take
            if not left:
                break
        if left:
            short.append({"variant_id": variant_id, "requested": quantity,
                          "available": quantity - left})  # fmt: skip
    if short:
        transaction.set_rollback(True)
        raise InsufficientStock("Not enough stock.", extra={"lines": short})
    return made


@transaction.atomic
def commit_reservation(*, reference: str, order_reference: str = "", actor_id=None) -> None:
    from apps.inventory.models import Reservation

    for hold in Reservation.objects.select_for_update().filter(
        reference=reference, state=Reservation.State.ACTIVE
    ):
        StockLevel.objects.filter(
            variant_id=hold.variant_id, warehouse_id=hold.warehouse_id
        ).update(on_hand=F("on_hand") - hold.quantity, reserved=F("reserved") - hold.quantity)
        StockMovement.objects.create(
            variant_id=hold.variant_id, warehouse_id=hold.warehouse_id, delta=-hold.quantity,
            reason=StockMovement.Reason.SALE, order_reference=order_reference, actor_id=actor_id,
        )  # fmt: skip
        hold.state = Reservation.State.COMMITTED
        hold.save(update_fields=["state"])


@transaction.atomic
def release_reservation(*, reference: str) -> int:
    from apps.inventory.models import Reservation

    holds = list(
        Reservation.objects.select_for_update().filter(
            reference=reference, state=Reservation.State.ACTIVE
        )
    )
    for hold in holds:
        StockLevel.objects.filter(
            variant_id=hold.variant_id, warehouse_id=hold.warehouse_id
        ).update(reserved=F("reserved") - hold.quantity)
        hold.state = Reservation.State.RELEASED
        hold.save(update_fields=["state"])
    return len(holds)


@transaction.atomic
def restock_return(
    *, variant_id: int, quantity: int, order_reference: str = "", actor_id=None, note: str = ""
) -> None:
    _check_quantity(quantity)
    warehouse = Warehouse.objects.filter(active=True).order_by("priority", "id").first()
    level, _ = StockLevel.objects.get_or_create(variant_id=variant_id, warehouse=warehouse)
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    StockMovement.objects.create(
        variant_id=variant_id, warehouse=warehouse, delta=quantity,
        reason=StockMovement.Reason.RETURN, order_reference=order_reference, actor_id=actor_id,
        note=note,
    )  # fmt: skip


@transaction.atomic
def adjust_stock(
    *, variant_id: int, warehouse_id: int, delta: int, reason: str, actor_id=None, note: str = ""
) -> StockLevel:
    """PROVISIONAL (api branch): the inventory branch's version replaces this at merge."""
    from apps.inventory.exceptions import InsufficientStock

    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise InvalidQuantity("Adjustment must be a non-zero whole number.")
    level, _ = StockLevel.objects.get_or_create(variant_id=variant_id, warehouse_id=warehouse_id)
    updated = StockLevel.objects.filter(pk=level.pk, on_hand__gte=F("reserved") - delta).update(
        on_hand=F("on_hand") + delta
    )
    if not updated:
        raise InsufficientStock("Cannot remove more than is on hand and unreserved.")
    StockMovement.objects.create(
        variant_id=variant_id, warehouse_id=warehouse_id, delta=delta, reason=reason,
        actor_id=actor_id, note=note,
    )  # fmt: skip
    level.refresh_from_db()
    return level
