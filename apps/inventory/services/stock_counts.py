"""Counted stock: on hand *becomes* a number (a catalogue import, a stocktake), many rows at once.

Each change is the difference from what is on hand now, written as one ledger row, so the
ledger still sums to on_hand. Units held by checkouts cannot be counted away: a count below a
row's live holds (expired holds are reclaimed first) raises ``InsufficientStock`` and nothing
changes.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Variant
from apps.inventory import locks, sql
from apps.inventory.exceptions import InsufficientStock, InvalidQuantity, UnknownStockItem
from apps.inventory.models import Reservation, StockLevel, StockMovement, Warehouse
from apps.inventory.services import alerts
from apps.inventory.services.counters import change_counters, release_holds, write_ledger
from apps.inventory.validation import MAX_STOCK_LEVEL
from apps.search import services as search_services

BATCH = 2000


@transaction.atomic
def set_stock_levels(
    *,
    levels: Iterable[tuple[int, int, int]],
    reason: str = StockMovement.Reason.IMPORT,
    note: str = "",
    actor_id: int | None = None,
) -> int:
    """Set on_hand of each ``(variant_id, warehouse_id, on_hand)``; return the rows changed.

    A pair given twice takes the last count. A missing row is inserted with its count (it is
    new, so nothing holds it); existing rows are locked in the order of ``locks.py`` (expired
    holds of the rows, then the rows, in id order), batch by batch.
    """
    targets: dict[tuple[int, int], int] = {}
    for variant_id, warehouse_id, on_hand in levels:
        if not isinstance(on_hand, int) or isinstance(on_hand, bool):
            raise InvalidQuantity("A count is a whole number.", extra={"on_hand": repr(on_hand)})
        if not 0 <= on_hand <= MAX_STOCK_LEVEL:
            raise InvalidQuantity(
                f"A count is from 0 to {MAX_STOCK_LEVEL}.", extra={"on_hand": on_hand}
            )
        targets[(variant_id, warehouse_id)] = on_hand
    if reason not in StockMovement.Reason.values or reason == StockMovement.Reason.SALE:
        raise InvalidQuantity("A count is not a sale.", code="invalid_reason")
    _check_items(targets)
    pairs = sorted(targets)
    changed = 0
    for start in range(0, len(pairs), BATCH):
        batch = {pair: targets[pair] for pair in pairs[start : start + BATCH]}
        changed += _set_batch(batch, reason=reason, note=note, actor_id=actor_id)
    return changed


def _check_items(targets: dict[tuple[int, int], int]) -> None:
    variant_ids = {variant_id for variant_id, _ in targets}
    warehouse_ids = {warehouse_id for _, warehouse_id in targets}
    known_variants = set(Variant.objects.filter(pk__in=variant_ids).values_list("pk", flat=True))
    known_warehouses = set(
        Warehouse.objects.filter(pk__in=warehouse_ids).values_list("pk", flat=True)
    )
    if variant_ids - known_variants or warehouse_ids - known_warehouses:
        raise UnknownStockItem(
            "No such variant or warehouse.",
            extra={
                "variant_ids": sorted(variant_ids - known_variants)[:20],
                "warehouse_ids": sorted(warehouse_ids - known_warehouses)[:20],
            },
        )


def _set_batch(
    targets: dict[tuple[int, int], int], *, reason: str, note: str, actor_id: int | None
) -> int:
    variant_ids = {variant_id for variant_id, _ in targets}
    existing = _level_ids(targets, variant_ids)
    now = timezone.now()
    ledger: list[StockMovement] = []
    raised: set[int] = set()
    lowered: set[int] = set()
    # New rows go in with their count (only where a count above zero arrives). A row another
    # transaction created meanwhile is not ours: it joins the locked path below.
    missing = [(v, w, n) for (v, w), n in targets.items() if (v, w) not in existing and n]
    inserted = sql.insert_new_stock_levels(missing, now=now)
    for _, variant_id, warehouse_id in inserted:
        count = targets[(variant_id, warehouse_id)]
        ledger.append(_movement(variant_id, warehouse_id, count, reason, note, actor_id))
        raised.add(variant_id)
    if len(inserted) < len(missing):
        existing = _level_ids(targets, variant_ids)
        for _, variant_id, warehouse_id in inserted:
            existing.pop((variant_id, warehouse_id), None)
    ids = sorted(existing.values())
    expired = locks.lock_reservations(expired_on_stock_ids=ids, now=now)
    rows = locks.lock_stock_levels(ids)
    freed = release_holds(
        expired, reason_for=lambda hold: Reservation.ReleaseReason.EXPIRED, now=now
    )
    changes: dict[int, tuple[int, int]] = {}
    short: list[dict] = []
    for pair, level_id in existing.items():
        row = rows[level_id]
        held = row.reserved - freed.get(level_id, 0)
        target = targets[pair]
        if target < held:
            short.append({"variant_id": pair[0], "requested": target, "available": held})
            continue
        delta = target - row.on_hand
        changes[level_id] = (delta, -freed.get(level_id, 0))
        if delta:
            ledger.append(_movement(pair[0], pair[1], delta, reason, note, actor_id))
            (raised if delta > 0 else lowered).add(pair[0])
    if short:
        raise InsufficientStock(
            "Units held by checkouts cannot be counted away; count at least what they hold.",
            extra={"lines": short},
        )
    change_counters(changes, now=now)
    write_ledger(ledger)
    alerts.resolve_restocked_alerts(variant_ids=raised)
    alerts.queue_check_if_low(lowered)
    search_services.mark_stock_changed(variant_ids=raised | lowered)
    return len(ledger)


def _movement(
    variant_id: int, warehouse_id: int, delta: int, reason: str, note: str, actor_id: int | None
) -> StockMovement:
    return StockMovement(
        variant_id=variant_id,
        warehouse_id=warehouse_id,
        delta=delta,
        reason=reason,
        note=note,
        actor_id=actor_id,
    )


def _level_ids(targets: dict[tuple[int, int], int], variant_ids: set[int]) -> dict:
    rows = StockLevel.objects.filter(variant_id__in=variant_ids).values_list(
        "variant_id", "warehouse_id", "pk"
    )
    return {(v, w): pk for v, w, pk in rows if (v, w) in targets}
