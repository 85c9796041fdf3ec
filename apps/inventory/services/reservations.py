"""Holding stock for checkouts: reserve, commit, release, and the expiry sweeper.

How ``reserve`` never oversells (architecture §3 step 2):

- Each stock row is taken with ONE conditional statement,
  ``UPDATE … SET reserved = reserved + q WHERE id = … AND on_hand - reserved >= q``: PostgreSQL
  re-checks the condition on the newest row version after any wait, so two buyers can never
  both take the last unit, and the CHECK constraints back it up.
- Rows are taken in id order, whatever the order of the basket, so two baskets with the same
  SKUs in opposite order queue behind each other instead of deadlocking (see ``locks.py``).
- All lines are taken in one transaction: one failed UPDATE rolls back the others.

Two paths: the *fast path* plans from an unlocked snapshot and takes rows with the conditional
UPDATEs — nearly every reservation. If the snapshot cannot serve the request as it is (the
reference already holds stock, an expired hold sits on a row it needs, or a row changed since
the snapshot), it rolls back and takes the *locked path*: lock the holds to release and the
stock rows (``locks.py`` order), release the reference's previous holds and every expired hold
on those rows (so an expired hold never blocks a sale, even with Celery stopped), then plan
from the locked counters. Only the locked path declares a shortage that an expired hold could
have covered.
"""

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.inventory import locks
from apps.inventory.exceptions import InsufficientStock, ReservationNotFound
from apps.inventory.models import (
    LowStockAlert,
    Reservation,
    StockLevel,
    StockMovement,
    Warehouse,
)
from apps.inventory.services import alerts
from apps.inventory.services.counters import change_counters, release_holds, write_ledger
from apps.inventory.validation import check_minutes, check_reference, normalize_lines
from apps.preferences import selectors as preferences_selectors

logger = logging.getLogger(__name__)

STOCK = StockLevel._meta.db_table
HOLDS = Reservation._meta.db_table
WAREHOUSES = Warehouse._meta.db_table
ALERTS = LowStockAlert._meta.db_table
ACTIVE = Reservation.State.ACTIVE

# The fast path's first statement: take the reference lock (and, when reserve owns the
# transaction, switch its commit to asynchronous), and read the candidate rows of the requested
# variants in active warehouses, in priority order, with what the plan needs. The rows may be
# stale by the time we write; the conditional UPDATEs re-check them.
_LOCK_AND_SNAPSHOT_SQL = f"""
WITH reference_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(%(lock_class)s, %(lock_key)s)
                                            {{relax}})
SELECT s.id, s.variant_id, s.warehouse_id, s.on_hand - s.reserved, s.low_stock_threshold,
       EXISTS (SELECT 1 FROM {HOLDS} r WHERE r.stock_level_id = s.id AND r.state = 'active'
               AND r.expires_at <= %(now)s),
       EXISTS (SELECT 1 FROM {ALERTS} a WHERE a.variant_id = s.variant_id
               AND a.resolved_at IS NULL),
       EXISTS (SELECT 1 FROM {HOLDS} r WHERE r.reference = %(reference)s AND r.state = 'active')
FROM reference_lock, {STOCK} s JOIN {WAREHOUSES} w ON w.id = s.warehouse_id
WHERE s.variant_id = ANY(%(variant_ids)s) AND w.active
ORDER BY s.variant_id, w.priority, s.id
"""
_RELAX = ", set_config('synchronous_commit', 'off', true)"

# The single conditional statement that takes units from one stock row. The first row taken
# also checks, now that we hold the reference lock, that the reference holds nothing yet.
_TAKE_SQL = f"""
UPDATE {STOCK} SET reserved = reserved + %(quantity)s, updated_at = %(now)s
WHERE id = %(id)s AND on_hand - reserved >= %(quantity)s {{first_only}}
RETURNING on_hand - reserved
"""
_NO_HOLDS_YET = (
    f"AND NOT EXISTS (SELECT 1 FROM {HOLDS} WHERE reference = %(reference)s AND state = 'active')"
)
_HOLD_COLUMNS = (
    "reference, batch, stock_level_id, variant_id, warehouse_id, quantity, state, "
    "release_reason, expires_at, created_at, updated_at"
)
# The last row taken and the holds inserted in one statement: one round trip less while the
# hot row is locked. The holds are inserted only if the UPDATE took the row.
_TAKE_LAST_AND_HOLD_SQL = f"""
WITH taken AS ({_TAKE_SQL}),
     held AS (INSERT INTO {HOLDS} ({_HOLD_COLUMNS})
              SELECT * FROM (VALUES {{values}}) AS v({_HOLD_COLUMNS})
              WHERE EXISTS (SELECT 1 FROM taken)
              RETURNING id)
SELECT (SELECT * FROM taken), ARRAY(SELECT id FROM held ORDER BY id)
"""


class _NeedsLockedPath(Exception):
    """The fast path cannot serve this request as planned; roll back and lock."""


@dataclass
class _Row:
    id: int
    variant_id: int
    warehouse_id: int
    available: int
    threshold: int | None = None
    has_expired_holds: bool = False


def reserve(
    *, reference: str, lines: Sequence[tuple[int, int]], minutes: int | None = None
) -> list[Reservation]:
    """Hold stock for every line of a checkout, or for none of them.

    ``lines`` are ``(variant_id, quantity)``; a line may be split across warehouses, highest
    priority first. Holds last ``minutes`` (default: the store's ``reservation_minutes``).
    Calling again with the same reference first releases the reference's previous holds, so a
    checkout can re-reserve after its cart changed. Raises ``InvalidQuantity`` /
    ``InvalidReservation`` (400) or ``InsufficientStock`` (409, ``extra["lines"]`` lists the
    short lines with what is available); nothing changes then. Call it with no stock row
    locked by the caller's transaction.
    """
    check_reference(reference)
    wanted = normalize_lines(lines)
    store_settings = None
    if minutes is None:
        store_settings = preferences_selectors.get_store_settings()
        minutes = store_settings.reservation_minutes
    check_minutes(minutes)
    now = timezone.now()
    expires_at = now + timedelta(minutes=minutes)
    # A hold is a soft, expiring promise. When reserve owns its transaction, the commit does not
    # wait for the WAL flush: a crash in the next fraction of a second may forget the newest
    # holds — counters and holds together, so units are freed, never oversold — and any later
    # durable commit (the order, the sale) flushes them first. The hot SKU's row lock is held
    # until commit, so this is what lets one SKU take thousands of reservations a second.
    relaxed = not connection.in_atomic_block
    try:
        with transaction.atomic():
            return _reserve_fast(reference, wanted, now, expires_at, store_settings, relaxed)
    except _NeedsLockedPath:
        pass
    with transaction.atomic():
        return _reserve_locked(reference, wanted, timezone.now(), expires_at, relaxed)


def _reserve_fast(reference, wanted, now, expires_at, store_settings, relaxed):
    with connection.cursor() as cursor:
        cursor.execute(
            _LOCK_AND_SNAPSHOT_SQL.format(relax=_RELAX if relaxed else ""),
            {
                "lock_class": locks.REFERENCE_LOCK_CLASS,
                "lock_key": locks.reference_lock_key(reference),
                "now": now,
                "reference": reference,
                "variant_ids": list(wanted),
            },
        )
        snapshot = cursor.fetchall()
    if snapshot and snapshot[0][7]:
        raise _NeedsLockedPath("the reference holds stock to release first")
    rows_by_variant: dict[int, list[_Row]] = defaultdict(list)
    alerted: set[int] = set()
    for pk, variant_id, warehouse_id, available, threshold, expired, has_alert, _ in snapshot:
        rows_by_variant[variant_id].append(
            _Row(pk, variant_id, warehouse_id, available, threshold, expired)
        )
        if has_alert:
            alerted.add(variant_id)
    takes, short = _plan(wanted, rows_by_variant)
    if short:
        if any(r.has_expired_holds for line in short for r in rows_by_variant[line["variant_id"]]):
            raise _NeedsLockedPath("expired holds may cover the shortage")
        raise _shortage(short)
    rows = {r.id: r for variant_rows in rows_by_variant.values() for r in variant_rows}
    holds, values, hold_params = _hold_rows(reference, takes, rows, now=now, expires_at=expires_at)
    ordered = sorted(takes)  # id order: see locks.py
    with connection.cursor() as cursor:
        for position, pk in enumerate(ordered):
            params = {"id": pk, "quantity": takes[pk], "now": now, "reference": reference}
            sql = _TAKE_SQL.format(first_only=_NO_HOLDS_YET if position == 0 else "")
            if pk == ordered[-1]:
                sql = _TAKE_LAST_AND_HOLD_SQL.format(
                    first_only=_NO_HOLDS_YET if position == 0 else "", values=values
                )
                params.update(hold_params)
            cursor.execute(sql, params)
            result = cursor.fetchone()
            if result is None or result[0] is None:
                raise _NeedsLockedPath("a row changed since the snapshot, or the reference did")
            rows[pk].available = result[0]
    for hold, hold_id in zip(holds, result[1], strict=True):
        _mark_saved(hold, hold_id)
    _queue_low_stock_check(rows_by_variant, takes, rows, alerted, store_settings)
    return holds


def _reserve_locked(reference, wanted, now, expires_at, relaxed) -> list[Reservation]:
    locks.lock_reference(reference, asynchronous_commit=relaxed)
    candidates = list(
        StockLevel.objects.filter(variant_id__in=list(wanted), warehouse__active=True).values_list(
            "pk", flat=True
        )
    )
    # Lock order: the holds we release (ours and expired ones on our rows), then stock rows.
    to_release = locks.lock_reservations(
        reference=reference, expired_on_stock_ids=candidates, now=now
    )
    levels = locks.lock_stock_levels({*candidates, *(h.stock_level_id for h in to_release)})
    freed = release_holds(
        to_release,
        reason_for=lambda hold: (
            Reservation.ReleaseReason.REPLACED
            if hold.reference == reference
            else Reservation.ReleaseReason.EXPIRED
        ),
        now=now,
    )
    rows_by_variant: dict[int, list[_Row]] = defaultdict(list)
    for level in sorted(levels.values(), key=lambda lv: (lv.warehouse.priority, lv.pk)):
        if level.variant_id in wanted and level.warehouse.active:
            rows_by_variant[level.variant_id].append(
                _Row(
                    level.pk,
                    level.variant_id,
                    level.warehouse_id,
                    level.on_hand - level.reserved + freed.get(level.pk, 0),
                )
            )
    takes, short = _plan(wanted, rows_by_variant)
    if short:
        raise _shortage(short)
    rows = {r.id: r for variant_rows in rows_by_variant.values() for r in variant_rows}
    holds = _insert_holds(reference, takes, rows, now=now, expires_at=expires_at)
    change_counters(
        {pk: (0, takes.get(pk, 0) - freed.get(pk, 0)) for pk in levels},
        now=now,
    )
    alerts.queue_check_if_low(wanted)
    return holds


def _plan(
    wanted: dict[int, int], rows_by_variant: dict[int, list[_Row]]
) -> tuple[dict[int, int], list[dict[str, int]]]:
    """Units to take per stock row, warehouses by priority; and the lines that fall short."""
    takes: dict[int, int] = {}
    short = []
    for variant_id, quantity in wanted.items():
        remaining = quantity
        for row in rows_by_variant.get(variant_id, []):
            take = min(remaining, max(row.available, 0))
            if take:
                takes[row.id] = take
                remaining -= take
            if not remaining:
                break
        if remaining:
            short.append(
                {"variant_id": variant_id, "requested": quantity, "available": quantity - remaining}
            )
    return takes, short


def _shortage(short: list[dict[str, int]]) -> InsufficientStock:
    if len(short) == 1:
        line = short[0]
        message = (
            f"Only {line['available']} of variant {line['variant_id']} available, "
            f"{line['requested']} requested."
        )
    else:
        message = f"{len(short)} lines ask for more than is available."
    return InsufficientStock(message, extra={"lines": short})


def _hold_rows(
    reference: str, takes: dict[int, int], rows: dict[int, _Row], *, now, expires_at
) -> tuple[list[Reservation], str, dict]:
    """One new active hold per stock row taken: the instances, and a VALUES list for them."""
    batch = uuid.uuid4()
    holds, values, params = [], [], {}
    for n, (pk, quantity) in enumerate(takes.items()):
        holds.append(
            Reservation(
                reference=reference,
                batch=batch,
                stock_level_id=pk,
                variant_id=rows[pk].variant_id,
                warehouse_id=rows[pk].warehouse_id,
                quantity=quantity,
                state=ACTIVE,
                release_reason="",
                expires_at=expires_at,
                created_at=now,
                updated_at=now,
            )
        )
        values.append(
            f"(%(reference)s, %(batch)s, %(s{n})s, %(v{n})s, %(w{n})s, %(q{n})s, "
            "'active', '', %(expires_at)s, %(now)s, %(now)s)"
        )
        params.update(
            {
                f"s{n}": pk,
                f"v{n}": rows[pk].variant_id,
                f"w{n}": rows[pk].warehouse_id,
                f"q{n}": quantity,
            }
        )
    params.update({"reference": reference, "batch": batch, "expires_at": expires_at, "now": now})
    return holds, ", ".join(values), params


def _insert_holds(reference, takes, rows, *, now, expires_at) -> list[Reservation]:
    """Insert the holds of a plan whose stock rows are already locked and updated."""
    holds, values, params = _hold_rows(reference, takes, rows, now=now, expires_at=expires_at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {HOLDS} ({_HOLD_COLUMNS}) VALUES {values} RETURNING id", params
        )
        for hold, (pk,) in zip(holds, cursor.fetchall(), strict=True):
            _mark_saved(hold, pk)
    return holds


def _mark_saved(hold: Reservation, pk: int) -> None:
    hold.pk = pk
    hold._state.adding = False
    hold._state.db = "default"


def _queue_low_stock_check(rows_by_variant, takes, rows, alerted, store_settings) -> None:
    """Queue an alert check for variants this reservation took below their threshold.

    Counts from the snapshot for rows not taken from: a fall missed because two buyers took
    from different warehouses at the same instant is caught by the next decrease.
    """
    default = None
    low = []
    for variant_id, variant_rows in rows_by_variant.items():
        if variant_id in alerted or not any(r.id in takes for r in variant_rows):
            continue
        thresholds = [r.threshold for r in variant_rows if r.threshold is not None]
        if thresholds:
            threshold = max(thresholds)
        else:
            if default is None:
                store_settings = store_settings or preferences_selectors.get_store_settings()
                default = store_settings.low_stock_threshold
            threshold = default
        if sum(rows[r.id].available for r in variant_rows) < threshold:
            low.append(variant_id)
    alerts.queue_low_stock_check(low)


@transaction.atomic
def commit_reservation(
    *, reference: str, order_reference: str = "", actor_id: int | None = None
) -> None:
    """Turn a checkout's holds into a sale: on_hand and reserved go down together.

    Works on the holds of the reference's latest ``reserve`` call; writes one ``sale`` ledger
    row per stock row. Idempotent: committing a committed reference changes nothing.

    Payment may succeed after a hold expired. A hold that was released meanwhile (expired and
    swept or reclaimed, or released by the checkout) is *re-taken* from the same stock row
    under lock when the units are still free — expired holds of others on that row are
    reclaimed first — and the commit goes through. If any released hold's units are gone,
    ``InsufficientStock`` is raised and nothing changes; the caller refunds or back-orders.
    Raises ``ReservationNotFound`` if the reference never reserved anything.
    """
    check_reference(reference)
    locks.lock_reference(reference)
    now = timezone.now()
    batch = (
        Reservation.objects.filter(reference=reference)
        .order_by("-pk")
        .values_list("batch", flat=True)
        .first()
    )
    if batch is None:
        raise ReservationNotFound(
            "No stock was reserved for this reference.", extra={"reference": reference}
        )
    unlocked = list(Reservation.objects.filter(reference=reference, batch=batch))
    if all(h.state == Reservation.State.COMMITTED for h in unlocked):
        return
    retake_rows = {h.stock_level_id for h in unlocked if h.state == Reservation.State.RELEASED}
    locked = locks.lock_reservations(
        reference=reference,
        batch=batch,
        active_only=False,
        expired_on_stock_ids=retake_rows,
        now=now,
    )
    ours = [h for h in locked if h.reference == reference and h.batch == batch]
    others_expired = [h for h in locked if not (h.reference == reference and h.batch == batch)]
    levels = locks.lock_stock_levels({h.stock_level_id for h in locked})
    freed = release_holds(
        others_expired,
        reason_for=lambda hold: (
            Reservation.ReleaseReason.REPLACED
            if hold.reference == reference
            else Reservation.ReleaseReason.EXPIRED
        ),
        now=now,
    )
    active = [h for h in ours if h.state == ACTIVE]
    retaken = [h for h in ours if h.state == Reservation.State.RELEASED]
    changes: dict[int, list[int]] = {pk: [0, -freed.get(pk, 0)] for pk in levels}
    sold: dict[int, int] = defaultdict(int)
    for hold in active:
        changes[hold.stock_level_id][0] -= hold.quantity
        changes[hold.stock_level_id][1] -= hold.quantity
        sold[hold.stock_level_id] += hold.quantity
    for hold in retaken:
        changes[hold.stock_level_id][0] -= hold.quantity
        sold[hold.stock_level_id] += hold.quantity
    _check_retake_possible(retaken, levels, freed)
    change_counters({pk: (d_on, d_res) for pk, (d_on, d_res) in changes.items()}, now=now)
    Reservation.objects.filter(pk__in=[h.pk for h in active + retaken]).update(
        state=Reservation.State.COMMITTED, release_reason="", updated_at=now
    )
    write_ledger(
        StockMovement(
            variant_id=levels[pk].variant_id,
            warehouse_id=levels[pk].warehouse_id,
            delta=-units,
            reason=StockMovement.Reason.SALE,
            order_reference=order_reference[:64],
            actor_id=actor_id,
        )
        for pk, units in sorted(sold.items())
    )
    if retaken:
        logger.info(
            "reservation %s committed for order %s after re-taking %d released holds",
            reference,
            order_reference,
            len(retaken),
        )
        alerts.queue_check_if_low({levels[pk].variant_id for pk in levels})


def _check_retake_possible(retaken, levels, freed) -> None:
    """Raise InsufficientStock unless every released hold fits in its row's free units.

    Free units of a row: on_hand − reserved, plus the expired holds of others just reclaimed.
    Committing our active holds on the same row lowers on_hand and reserved alike.
    """
    wanted: dict[int, int] = defaultdict(int)
    for hold in retaken:
        wanted[hold.stock_level_id] += hold.quantity
    short = []
    for pk, units in sorted(wanted.items()):
        level = levels[pk]
        free = level.on_hand - level.reserved + freed.get(pk, 0)
        if units > free:
            short.append({"variant_id": level.variant_id, "requested": units, "available": free})
    if short:
        raise _shortage(short)


@transaction.atomic
def release_reservation(*, reference: str) -> int:
    """Give back the active holds of a checkout; return how many. Idempotent."""
    check_reference(reference)
    locks.lock_reference(reference)
    now = timezone.now()
    holds = locks.lock_reservations(reference=reference)
    if not holds:
        return 0
    locks.lock_stock_levels({h.stock_level_id for h in holds})
    freed = release_holds(
        holds, reason_for=lambda hold: Reservation.ReleaseReason.CANCELLED, now=now
    )
    change_counters({pk: (0, -units) for pk, units in freed.items()}, now=now)
    return len(holds)


def release_expired(*, batch_size: int = 500) -> int:
    """Release every hold that expired; return how many. Safe to run anywhere, any time.

    Works in batches of ``batch_size``, each its own short transaction, skipping holds another
    transaction holds right now (a checkout committing, a buyer reclaiming): those are dealt
    with by their owner, or by the next sweep. Running it twice releases nothing the second time.
    """
    now = timezone.now()
    total = 0
    while True:
        released = _release_expired_batch(now=now, batch_size=batch_size)
        total += released
        if released < batch_size:
            return total


@transaction.atomic
def _release_expired_batch(*, now: datetime, batch_size: int) -> int:
    holds = locks.lock_expired_reservations(now=now, limit=batch_size)
    if not holds:
        return 0
    locks.lock_stock_levels({h.stock_level_id for h in holds})
    freed = release_holds(holds, reason_for=lambda hold: Reservation.ReleaseReason.EXPIRED, now=now)
    change_counters({pk: (0, -units) for pk, units in freed.items()}, now=now)
    return len(holds)
