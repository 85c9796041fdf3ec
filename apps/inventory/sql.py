"""The inventory app's raw SQL: the only module of the app that runs ``cursor.execute``.

The PL/pgSQL functions themselves live in ``sql/*.sql``, one versioned file per version, each
installed in every store's schema by a migration (a later change adds a file and a
migration, so an old migration always installs what it installed the day it was written):

- ``inventory_reserve`` (``inventory_reserve_v3.sql``, with ``inventory_reserve_take``):
  the whole of ``services.reserve`` in one call;
- ``inventory_commit`` (``inventory_commit_v1.sql``): the usual commit of a paid checkout;
- ``inventory_free_stock`` (``inventory_free_stock_v1.sql``): the one definition of the units
  a shopper can buy ("free units"), which every availability read below uses.

Each statement here says what the ORM could not do, or what the ORM version cost.
"""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

import psycopg
from django.db import connection

from apps.core.prepared import prepared_cursor
from apps.inventory.models import LowStockAlert, StockLevel
from apps.preferences.models import StoreSettings

# The advisory-lock namespace of checkout references (first key of pg_advisory_xact_lock).
REFERENCE_LOCK_CLASS = 0x1E7

# --- Free units ---------------------------------------------------------------------------

# Free units per variant, summed over its rows in active warehouses (parameters: now, ids).
# Plain SQL: the storefront asks this several times per page, and the equivalent ORM query (a
# correlated subquery annotation) cost ten times more CPU to build than to run.
_FREE_UNITS_BY_VARIANT_SQL = """
SELECT f.variant_id, sum(f.units)
FROM inventory_free_stock(%s) f
WHERE f.variant_id = ANY(%s)
GROUP BY f.variant_id
"""

# The same for one variant as a scalar subquery (``{variant}``: its id column in the outer
# query; one parameter, now), for reads that show availability next to other rows in one
# statement (the cart). The caller clamps negative sums to 0 as ``free_units_by_variant`` does.
FREE_UNITS_OF_VARIANT_SQL = """SELECT coalesce(sum(f.units), 0)
FROM inventory_free_stock(%s) f
WHERE f.variant_id = {variant}"""

# Free units of the stock row of the outer query (``{stock_level}``: its id column), for an
# ORM annotation (``RawSQL``): the ORM cannot call a set-returning function.
FREE_UNITS_OF_STOCK_LEVEL_SQL = """(SELECT f.units FROM inventory_free_stock(%s) f
WHERE f.stock_level_id = {stock_level})"""


def free_units_by_variant(variant_ids: Sequence[int], *, now: datetime) -> dict[int, int]:
    """Free units per variant (variants without stock in an active warehouse left out)."""
    with connection.cursor() as cursor:
        cursor.execute(_FREE_UNITS_BY_VARIANT_SQL, [now, list(variant_ids)])
        return {variant_id: max(int(units), 0) for variant_id, units in cursor.fetchall()}


# --- Locks --------------------------------------------------------------------------------


def lock_reference(*, key: int) -> None:
    """Take the transaction-scoped advisory lock of a checkout reference.

    The ORM has no advisory locks.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFERENCE_LOCK_CLASS, key])


# --- Counters and alerts ------------------------------------------------------------------


def change_counters(changes: Mapping[int, tuple[int, int]], *, now: datetime) -> None:
    """Add ``(on_hand_delta, reserved_delta)`` to each stock row, in one statement.

    One UPDATE … FROM (VALUES …) for any number of rows; the ORM needs one UPDATE per distinct
    delta (or a CASE per column over every id). Callers hold the rows' locks.
    """
    values = ", ".join(["(%s::bigint, %s::integer, %s::integer)"] * len(changes))
    params: list = []
    for pk in sorted(changes):
        params.extend([pk, *changes[pk]])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {StockLevel._meta.db_table} AS s SET on_hand = s.on_hand + v.d_on_hand, "
            f"reserved = s.reserved + v.d_reserved, updated_at = %s "
            f"FROM (VALUES {values}) AS v(id, d_on_hand, d_reserved) WHERE s.id = v.id",
            [now, *params],
        )


def insert_new_stock_levels(
    levels: Sequence[tuple[int, int, int]], *, now: datetime
) -> list[tuple[int, int, int]]:
    """Insert ``(variant_id, warehouse_id, on_hand)`` rows that do not exist yet; return
    ``(id, variant_id, warehouse_id)`` of those this statement inserted.

    ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING``: one statement for a
    batch, and it says which rows went in (``bulk_create(ignore_conflicts=True)`` does not).
    A row we inserted is invisible to others until we commit, so it holds nothing and needs no
    lock; a row another transaction made first is left to the caller's locked path.
    """
    if not levels:
        return []
    variant_ids, warehouse_ids, on_hands = (list(column) for column in zip(*levels, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {StockLevel._meta.db_table} "
            "(variant_id, warehouse_id, on_hand, reserved, updated_at) "
            "SELECT v, w, h, 0, %s FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) "
            "AS t(v, w, h) "
            "ON CONFLICT (variant_id, warehouse_id) DO NOTHING "
            "RETURNING id, variant_id, warehouse_id",
            [now, variant_ids, warehouse_ids, on_hands],
        )
        return [tuple(row) for row in cursor.fetchall()]


def open_low_stock_alert(
    *, variant_id: int, available: int, threshold: int, now: datetime
) -> int | None:
    """Open an alert for the variant unless one is open; return the new alert's id, or None.

    ``INSERT … ON CONFLICT (variant_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id``:
    the ORM cannot name a partial unique index as the conflict target, and
    ``bulk_create(ignore_conflicts=True)`` does not say whether the row went in.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LowStockAlert._meta.db_table} "
            "(variant_id, available, threshold, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (variant_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id",
            [variant_id, available, threshold, now],
        )
        row = cursor.fetchone()
    return row[0] if row else None


# --- inventory_reserve and inventory_commit -----------------------------------------------

# Constants of the code go in the statement's text, not as parameters: fewer values to adapt
# on every call (the statement is prepared once per connection anyway).
_RESERVE_SQL = (
    "SELECT inventory_reserve(%s, %s, %s, %s, %s, %s, "
    f"{REFERENCE_LOCK_CLASS}, %s, "
    f"{StoreSettings._meta.get_field('reservation_minutes').default}, "
    f"{StoreSettings._meta.get_field('low_stock_threshold').default}, %s, %s)"
)
# The SQLSTATE of a fast path that lost a race when the call is its own transaction: the
# transaction is rolled back, and the call is made again, locked (inventory_reserve_v3.sql).
_CALL_AGAIN_LOCKED = "MR002"

_COMMIT_SQL = f"SELECT inventory_commit(%s, {REFERENCE_LOCK_CLASS}, %s, %s, %s, %s)"


def call_reserve(
    *,
    reference: str,
    wanted: Mapping[int, int],
    minutes: int | None,
    now: datetime,
    batch: UUID,
    lock_key: int,
    relaxed: bool,
    db=None,
) -> dict:
    """Call ``inventory_reserve`` (one round trip; two after a lost race); return its result.

    A PL/pgSQL function because a reservation run from Python is a handful of statements and
    one client round trip each, with the hot SKU's row locked across them; prepared because
    planning the call cost the database more than running it (see ``prepared_cursor``).
    ``relaxed``: the call is its own transaction (see ``services.reserving.reserve``).
    """
    arguments = [
        reference,
        list(wanted),
        list(wanted.values()),
        minutes,
        now,
        batch,
        lock_key,
        relaxed,
        False,  # not locked: the fast path first
    ]
    with prepared_cursor(db) as cursor:
        try:
            cursor.execute(_RESERVE_SQL, arguments, prepare=True)
        except psycopg.Error as error:
            # Only a call that is its own transaction fails this way, and its failure rolled
            # back everything it did: call again, starting with the locks.
            if not relaxed or error.sqlstate != _CALL_AGAIN_LOCKED:
                raise
            arguments[-1] = True
            cursor.execute(_RESERVE_SQL, arguments, prepare=True)
        row = cursor.fetchone()
    assert row is not None  # the function always returns one row
    return json.loads(row[0])  # Django's connection loads jsonb as text


def call_commit(
    *, reference: str, lock_key: int, order_reference: str, actor_id: int | None, now: datetime
) -> str:
    """Call ``inventory_commit``: ``'not_found'``, ``'committed'`` or ``'retake'``.

    The usual commit ran as ten statements and round trips from Python on every paid order;
    the function is one, prepared once per connection.
    """
    with prepared_cursor() as cursor:
        cursor.execute(
            _COMMIT_SQL,
            [reference, lock_key, order_reference[:64], actor_id, now],
            prepare=True,
        )
        row = cursor.fetchone()
    assert row is not None  # the function always returns one row
    return row[0]
