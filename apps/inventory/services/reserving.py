"""Holding stock for a checkout: ``reserve``.

The whole reservation is one call of the ``inventory_reserve`` PL/pgSQL function (made through
``apps/inventory/sql.py``; installed by migrations ``0003``, ``0005`` and ``0007``; source and
reasoning in ``apps/inventory/sql/inventory_reserve_v3.sql``, and in ``inventory_reserve_v1.sql``
and ``_v2.sql`` for why a function at all and what version 2 changed).
How it never oversells (architecture §3 step 2):

- Each stock row is taken with ONE conditional statement,
  ``UPDATE … SET reserved = reserved + q WHERE id = … AND on_hand - reserved >= q``: PostgreSQL
  re-checks the condition on the newest row version after any wait, so two buyers can never
  both take the last unit, and the CHECK constraints back it up.
- Rows are taken in id order, whatever the order of the basket, so two baskets with the same
  SKUs in opposite order queue behind each other instead of deadlocking (see ``locks.py``).
- All lines or none: a shortage writes nothing; a row that changed under the fast path undoes
  the rows already taken and the call re-plans under locks (when the call is its own
  transaction, by failing it with SQLSTATE MR002 — a rollback — and calling again, locked).
- The reference's previous holds are released (``replaced``), and expired holds on the rows
  it needs are reclaimed (``expired``) before a shortage is declared — so an expired hold
  never blocks a sale, even with Celery stopped.

Every call first takes the reference lock, so two calls for one checkout never interleave.
Being one statement, a reservation costs one client round trip whatever the basket size (two
after a lost race, rare), and the hot SKU's row lock is held for microseconds, not for a round
trip.
"""

import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from apps.inventory import locks, sql
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import Reservation
from apps.inventory.services import alerts
from apps.inventory.validation import check_minutes, check_reference, normalize_lines
from apps.observability import metrics
from apps.tenants import due

ACTIVE = Reservation.State.ACTIVE
# The values reserve() builds its Reservation instances from, in this order.
_HOLD_FIELDS = [
    "id", "reference", "batch", "stock_level_id", "variant_id", "warehouse_id", "quantity",
    "state", "release_reason", "expires_at", "created_at", "updated_at",
]  # fmt: skip


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
    # A hold is a soft, expiring promise. When reserve owns its transaction (the call is the
    # transaction), its commit does not wait for the WAL flush: a crash in the next fraction
    # of a second may forget the newest holds — counters and holds together, so units are
    # freed, never oversold — and any later durable commit (the order, the sale) flushes them
    # first. Inside a caller's transaction, the caller's commit decides.
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: the proxy costs a lookup per use
    relaxed = not db.in_atomic_block and db.get_autocommit()
    now = timezone.now()
    batch = uuid.uuid4()
    result = sql.call_reserve(
        reference=reference,
        wanted=wanted,
        minutes=minutes,
        now=now,
        batch=batch,
        lock_key=locks.reference_lock_key(reference, schema_name=db.schema_name),
        relaxed=relaxed,
        db=db,
    )
    if "short" in result:
        raise shortage_error(result["short"])
    expires_at = now + timedelta(minutes=result["minutes"])
    holds = [
        Reservation.from_db(  # instances for the rows the function inserted, no query
            DEFAULT_DB_ALIAS,
            _HOLD_FIELDS,
            (
                pk,
                reference,
                batch,
                stock_level_id,
                variant_id,
                warehouse_id,
                quantity,
                ACTIVE,
                "",
                expires_at,
                now,
                now,
            ),
        )
        for pk, stock_level_id, variant_id, warehouse_id, quantity in result["holds"]
    ]
    alerts.queue_low_stock_check(result["low"])
    due.mark_due(due.HOLDS, expires_at)  # beat's sweep visits this store when they lapse
    return holds


def shortage_error(short: list[dict[str, int]]) -> InsufficientStock:
    metrics.oversell_refused.inc()
    if len(short) == 1:
        line = short[0]
        message = (
            f"Only {line['available']} of variant {line['variant_id']} available, "
            f"{line['requested']} requested."
        )
    else:
        message = f"{len(short)} lines ask for more than is available."
    return InsufficientStock(message, extra={"lines": short})
