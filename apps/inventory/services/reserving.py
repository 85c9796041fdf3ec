"""Holding stock for a checkout: ``reserve``.

How ``reserve`` never oversells (architecture §3 step 2):

- Each stock row is taken with ONE conditional statement,
  ``UPDATE … SET reserved = reserved + q WHERE id = … AND on_hand - reserved >= q``: PostgreSQL
  re-checks the condition on the newest row version after any wait, so two buyers can never
  both take the last unit, and the CHECK constraints back it up.
- Rows are taken in id order, whatever the order of the basket, so two baskets with the same
  SKUs in opposite order queue behind each other instead of deadlocking (see ``locks.py``).
- All lines are taken in one transaction: one failed UPDATE rolls back the others.

Three ways to run it, all with the same guarantees:

- *One statement* (a single-SKU basket taken from one stock row, with reserve owning its
  transaction — the hot path): read a snapshot, then ONE autocommit statement takes the row
  and inserts the hold; the row lock is released inside PostgreSQL, with no client round trip
  while it is held.
- *Fast path* (any other basket): plan from the snapshot, take the rows with the conditional
  UPDATEs in one transaction.
- *Locked path*, when the snapshot cannot serve the request as it is (the reference already
  holds stock, an expired hold sits on a row it needs, or a row changed since the snapshot):
  lock the holds to release and the stock rows (``locks.py`` order), release the reference's
  previous holds and every expired hold on those rows — so an expired hold never blocks a
  sale, even with Celery stopped — then plan from the locked counters. A shortage is declared
  from a snapshot only when no expired hold sits on the rows; otherwise by the locked path.

Every path first takes the reference lock, so two calls for one checkout never interleave.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from apps.inventory import locks
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import (
    LowStockAlert,
    Reservation,
    StockLevel,
    Warehouse,
)
from apps.inventory.services import alerts
from apps.inventory.services.counters import change_counters, release_holds
from apps.inventory.validation import check_minutes, check_reference, normalize_lines
from apps.preferences import selectors as preferences_selectors
from apps.preferences.models import StoreSettings

STOCK = StockLevel._meta.db_table
HOLDS = Reservation._meta.db_table
WAREHOUSES = Warehouse._meta.db_table
ALERTS = LowStockAlert._meta.db_table
SETTINGS = StoreSettings._meta.db_table
SETTINGS_PK = StoreSettings.SINGLETON_PK
ACTIVE = Reservation.State.ACTIVE

# See _prepared_cursor.
_ONLY_WHEN_ASKED = 2**31
_GENERIC_PLANS = ", set_config('plan_cache_mode', 'force_generic_plan', false)"
# See reserve: a hold's commit does not wait for the WAL flush.
_RELAX = ", set_config('synchronous_commit', 'off', true)"

# The fast path's first statement: take the reference lock, and read the candidate rows of the
# requested variants in active warehouses, in priority order, with what the plan needs (one row
# with NULLs if there are none). The rows may be stale by the time we write: the conditional
# UPDATEs re-check them. The store's hold lifetime and low-stock default come along: reading
# them through the preferences selector (an ORM query) cost more CPU than all of this SQL.
_LOCK_AND_SNAPSHOT_SQL = f"""
WITH reference_lock AS MATERIALIZED (SELECT {{lock}}(%(lock_class)s, %(lock_key)s)
                                            {_GENERIC_PLANS} {{relax}})
SELECT s.id, s.variant_id, s.warehouse_id, s.on_hand - s.reserved, s.low_stock_threshold,
       EXISTS (SELECT 1 FROM {HOLDS} r WHERE r.stock_level_id = s.id AND r.state = 'active'
               AND r.expires_at <= %(now)s),
       EXISTS (SELECT 1 FROM {ALERTS} a WHERE a.variant_id = s.variant_id
               AND a.resolved_at IS NULL),
       EXISTS (SELECT 1 FROM {HOLDS} r WHERE r.reference = %(reference)s AND r.state = 'active'),
       (SELECT reservation_minutes FROM {SETTINGS} WHERE id = {SETTINGS_PK}),
       (SELECT low_stock_threshold FROM {SETTINGS} WHERE id = {SETTINGS_PK})
FROM reference_lock LEFT JOIN ({STOCK} s JOIN {WAREHOUSES} w
     ON w.id = s.warehouse_id AND w.active AND s.variant_id = ANY(%(variant_ids)s)) ON true
ORDER BY s.variant_id, w.priority, s.id
"""
_SESSION_UNLOCK_SQL = "SELECT pg_advisory_unlock(%(lock_class)s, %(lock_key)s)"

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
# The last row taken and the holds inserted in one statement: the holds are inserted only if
# the UPDATE took the row. Run on its own (autocommit), it is the whole transaction, and the
# hot row's lock is released inside PostgreSQL as soon as it is done.
_TAKE_LAST_AND_HOLD_SQL = f"""
WITH taken AS ({_TAKE_SQL}),
     held AS (INSERT INTO {HOLDS} ({_HOLD_COLUMNS})
              SELECT * FROM (VALUES {{values}}) AS v({_HOLD_COLUMNS})
              WHERE EXISTS (SELECT 1 FROM taken)
              RETURNING id)
SELECT (SELECT * FROM taken), ARRAY(SELECT id FROM held ORDER BY id) {{relax}}
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
    if minutes is not None:
        check_minutes(minutes)
    # A hold is a soft, expiring promise. When reserve owns its transaction, the commit does not
    # wait for the WAL flush: a crash in the next fraction of a second may forget the newest
    # holds — counters and holds together, so units are freed, never oversold — and any later
    # durable commit (the order, the sale) flushes them first. The hot SKU's row lock is held
    # until commit, so this is what lets one SKU take thousands of reservations a second.
    owns_transaction = not connection.in_atomic_block
    if owns_transaction and len(wanted) == 1:
        holds = _reserve_in_one_statement(reference, wanted, minutes)
        if holds is not None:
            return holds
    try:
        with transaction.atomic():
            return _reserve_fast(reference, wanted, minutes, relaxed=owns_transaction)
    except _NeedsLockedPath:
        pass
    if minutes is None:
        minutes = preferences_selectors.get_store_settings().reservation_minutes
    now = timezone.now()
    expires_at = now + timedelta(minutes=minutes)
    with transaction.atomic():
        return _reserve_locked(reference, wanted, now, expires_at, relaxed=owns_transaction)


@dataclass
class _Snapshot:
    rows_by_variant: dict[int, list[_Row]]
    rows: dict[int, _Row]
    alerted: set[int]
    reference_holds_stock: bool
    minutes: int
    default_threshold: int


def _reserve_in_one_statement(reference, wanted, minutes) -> list[Reservation] | None:
    """The hottest path: a reservation that takes one stock row, as ONE autocommit statement.

    The reference lock is a session-level advisory lock around the two statements, released
    right after. Returns None when the request needs a transaction (several rows, holds to
    release or reclaim, a row changed since the snapshot): nothing was written then.
    """
    now = timezone.now()
    lock = {
        "lock_class": locks.REFERENCE_LOCK_CLASS,
        "lock_key": locks.reference_lock_key(reference),
    }
    with _prepared_cursor() as cursor:
        try:
            snapshot = _read_snapshot(
                cursor, reference, wanted, minutes, now, lock_sql="pg_advisory_lock", relax=""
            )
            takes = _plan_fast(snapshot, wanted)
            if snapshot.reference_holds_stock or len(takes) != 1:
                return None
            expires_at = now + timedelta(minutes=snapshot.minutes)
            holds = _take_rows(
                cursor, reference, takes, snapshot.rows, now, expires_at, relax=_RELAX
            )
        except _NeedsLockedPath:
            return None
        finally:
            cursor.execute(_SESSION_UNLOCK_SQL, lock, prepare=True)
    _queue_low_stock_check(snapshot, takes)
    return holds


def _reserve_fast(reference, wanted, minutes, *, relaxed) -> list[Reservation]:
    """Reserve inside a transaction from an unlocked snapshot; raise _NeedsLockedPath if stale."""
    now = timezone.now()
    with _prepared_cursor() as cursor:
        snapshot = _read_snapshot(
            cursor,
            reference,
            wanted,
            minutes,
            now,
            lock_sql="pg_advisory_xact_lock",
            relax=_RELAX if relaxed else "",
        )
        if snapshot.reference_holds_stock:
            raise _NeedsLockedPath("the reference holds stock to release first")
        takes = _plan_fast(snapshot, wanted)
        expires_at = now + timedelta(minutes=snapshot.minutes)
        holds = _take_rows(cursor, reference, takes, snapshot.rows, now, expires_at, relax="")
    _queue_low_stock_check(snapshot, takes)
    return holds


def _read_snapshot(cursor, reference, wanted, minutes, now, *, lock_sql, relax) -> _Snapshot:
    cursor.execute(
        _LOCK_AND_SNAPSHOT_SQL.format(lock=lock_sql, relax=relax),
        {
            "lock_class": locks.REFERENCE_LOCK_CLASS,
            "lock_key": locks.reference_lock_key(reference),
            "now": now,
            "reference": reference,
            "variant_ids": list(wanted),
        },
        prepare=True,
    )
    result = cursor.fetchall()
    rows_by_variant: dict[int, list[_Row]] = defaultdict(list)
    alerted: set[int] = set()
    for pk, variant_id, warehouse_id, available, threshold, expired, alert, *_ in result:
        if pk is None:  # no stock row at all: the one row of NULLs
            continue
        rows_by_variant[variant_id].append(
            _Row(pk, variant_id, warehouse_id, available, threshold, expired)
        )
        if alert:
            alerted.add(variant_id)
    *_, holds_stock, store_minutes, store_threshold = result[0]
    if minutes is None:
        minutes = _field_default("reservation_minutes") if store_minutes is None else store_minutes
    return _Snapshot(
        rows_by_variant=rows_by_variant,
        rows={r.id: r for variant_rows in rows_by_variant.values() for r in variant_rows},
        alerted=alerted,
        reference_holds_stock=bool(holds_stock),
        minutes=minutes,
        default_threshold=(
            _field_default("low_stock_threshold") if store_threshold is None else store_threshold
        ),
    )


def _plan_fast(snapshot: _Snapshot, wanted: dict[int, int]) -> dict[int, int]:
    """Plan from the snapshot; a shortage is final only if no expired hold could cover it."""
    takes, short = _plan(wanted, snapshot.rows_by_variant)
    if short:
        if any(
            row.has_expired_holds
            for line in short
            for row in snapshot.rows_by_variant[line["variant_id"]]
        ):
            raise _NeedsLockedPath("expired holds may cover the shortage")
        raise shortage_error(short)
    return takes


def _take_rows(cursor, reference, takes, rows, now, expires_at, *, relax) -> list[Reservation]:
    """Take each planned row with its conditional UPDATE, in id order; insert the holds."""
    holds, values, hold_params = _hold_rows(reference, takes, rows, now=now, expires_at=expires_at)
    ordered = sorted(takes)  # id order: see locks.py
    for position, pk in enumerate(ordered):
        params = {"id": pk, "quantity": takes[pk], "now": now, "reference": reference}
        first_only = _NO_HOLDS_YET if position == 0 else ""
        if pk == ordered[-1]:
            sql = _TAKE_LAST_AND_HOLD_SQL.format(first_only=first_only, values=values, relax=relax)
            params.update(hold_params)
        else:
            sql = _TAKE_SQL.format(first_only=first_only)
        cursor.execute(sql, params, prepare=True)
        result = cursor.fetchone()
        if result is None or result[0] is None:
            raise _NeedsLockedPath("a row changed since the snapshot, or the reference did")
        rows[pk].available = result[0]
    for hold, hold_id in zip(holds, result[1], strict=True):
        _mark_saved(hold, hold_id)
    return holds


@contextmanager
def _prepared_cursor() -> Iterator[psycopg.Cursor]:
    """A cursor whose statements PostgreSQL plans once per connection (server-side binding).

    The fast path runs the same few statements thousands of times a second; planning them every
    time cost the database more than running them. Django's cursor is opened first, so that
    django-tenants has set the store's search_path; PostgreSQL re-plans a prepared statement when
    the search_path changes, so a statement prepared in one store never touches another's.
    Errors come out as Django's database exceptions, as from any Django cursor.

    The first statement also sets ``plan_cache_mode = force_generic_plan`` for the session: the
    generic plans of these statements are as good as custom ones (single-row index lookups),
    and PostgreSQL's heuristic would otherwise re-plan them on every execution. The setting
    only concerns prepared statements, which Django itself does not use (client-side binding).
    """
    with connection.cursor() as django_cursor, connection.wrap_database_errors:
        raw_connection = django_cursor.cursor.connection
        if raw_connection.prepare_threshold is None:
            # Django turns psycopg's statement preparation off; turn it on for the statements
            # asked to be prepared (prepare=True) only. Django's client-side cursors never are.
            raw_connection.prepare_threshold = _ONLY_WHEN_ASKED
        with psycopg.Cursor(raw_connection) as cursor:
            yield cursor


def _reserve_locked(reference, wanted, now, expires_at, *, relaxed) -> list[Reservation]:
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
        raise shortage_error(short)
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


def shortage_error(short: list[dict[str, int]]) -> InsufficientStock:
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


def _queue_low_stock_check(snapshot: _Snapshot, takes: dict[int, int]) -> None:
    """Queue an alert check for variants this reservation took below their threshold.

    Counts from the snapshot for rows not taken from: a fall missed because two buyers took
    from different warehouses at the same instant is caught by the next decrease.
    """
    low = []
    for variant_id, variant_rows in snapshot.rows_by_variant.items():
        if variant_id in snapshot.alerted or not any(r.id in takes for r in variant_rows):
            continue
        thresholds = [r.threshold for r in variant_rows if r.threshold is not None]
        threshold = max(thresholds) if thresholds else snapshot.default_threshold
        if sum(r.available for r in variant_rows) < threshold:
            low.append(variant_id)
    alerts.queue_low_stock_check(low)


def _field_default(name: str) -> int:
    """A store setting's default, for a store whose settings row was never written."""
    return StoreSettings._meta.get_field(name).default
