"""Every lock the inventory services take, in the one order they take them.

Lock order, which is what makes deadlocks impossible between any two inventory writes:

1. the *reference lock* of a checkout (an advisory lock on a hash of store and reference), when
   the operation works on one reference (reserve, commit, release); transaction-scoped;
2. *reservation rows*, all of them in ONE statement, ordered by id;
3. *stock rows*, all of them in one statement ordered by id, or one conditional UPDATE per row
   in id order (the reserve fast path, in ``inventory_reserve``: a failed attempt gives its
   row locks back before any level-2 lock is taken — by rolling back its subtransaction inside
   a caller's transaction, or, when the call is its own transaction, by failing the call,
   whose retry starts again at level 1).

Selling beyond stock adds two levels before these (``services/backorders.py``):

0a. *variant rows* of variants sold beyond stock, in id order: placing an order that may
    back-order a variant serializes on it, so the free units read and the pre-order cap checked
    stay true until the transaction ends (a "deny" variant is never locked here);
0b. *waiting back-order rows* of a variant, in id order: receiving stock fills them before it
    touches the stock row. A reference's own pending back-orders are changed only by that
    order's flows, which hold the order's row lock (paying confirms them after committing the
    holds; receiving never locks a pending row, so the two never wait on each other).

A transaction never waits for a lock of an earlier level while it holds one of a later level:
the sweeper skips reservation rows others hold (SKIP LOCKED) and nobody locks reservation rows
after stock rows. Inserting a new reservation or ledger row waits for no one.

Row locks are ``FOR NO KEY UPDATE``: the lock a plain UPDATE of the counters takes itself. It does
not conflict with the ``FOR KEY SHARE`` lock PostgreSQL takes on a stock row when a reservation
row referencing it is inserted, so a concurrent fast-path insert and a locked-path lock never
wait on each other in the wrong order.
"""

import operator
import zlib
from collections.abc import Collection
from datetime import datetime
from functools import reduce
from uuid import UUID

from django.db import connection
from django.db.models import Q

from apps.catalog.models import Variant
from apps.inventory import sql
from apps.inventory.models import Backorder, Reservation, StockLevel


def lock_reference(reference: str) -> None:
    """Serialize reserve/commit/release of one checkout reference until the transaction ends.

    The key is a hash of schema and reference: a collision only makes two checkouts wait for
    each other briefly, never share holds. Call inside a transaction, before any row lock.
    (``inventory_reserve`` takes the same lock inside PostgreSQL, with the same class
    ``sql.REFERENCE_LOCK_CLASS`` and key.)
    """
    sql.lock_reference(key=reference_lock_key(reference))


def reference_lock_key(reference: str, *, schema_name: str | None = None) -> int:
    """The advisory-lock key of a reference in this store (second key, a signed int4)."""
    schema = connection.schema_name if schema_name is None else schema_name
    return zlib.crc32(f"{schema}:{reference}".encode()) - 2**31


def lock_reservations(
    *,
    reference: str | None = None,
    batch: UUID | str | None = None,
    active_only: bool = True,
    expired_on_stock_ids: Collection[int] = (),
    now: datetime | None = None,
) -> list[Reservation]:
    """Lock, in id order and in one statement, a reference's holds and expired holds of rows.

    ``reference`` (and optionally ``batch``) selects the checkout's own holds; with
    ``active_only`` only its active ones. ``expired_on_stock_ids`` adds the active holds of
    any reference on those stock rows that expired at ``now`` — the ones a caller reclaims.
    Rows another transaction changes while we wait are re-checked by PostgreSQL, so a hold
    the sweeper released meanwhile comes back released (or not at all, with ``active_only``).
    """
    conditions = []
    if reference is not None:
        own = Q(reference=reference)
        if batch is not None:
            own &= Q(batch=batch)
        if active_only:
            own &= Q(state=Reservation.State.ACTIVE)
        conditions.append(own)
    if expired_on_stock_ids:
        conditions.append(
            Q(
                state=Reservation.State.ACTIVE,
                stock_level_id__in=list(expired_on_stock_ids),
                expires_at__lte=now,
            )
        )
    if not conditions:
        return []
    return list(
        Reservation.objects.filter(reduce(operator.or_, conditions))
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
    )


def lock_expired_reservations(*, now: datetime, limit: int) -> list[Reservation]:
    """Lock up to ``limit`` expired active holds, skipping those another transaction holds."""
    return list(
        Reservation.objects.filter(state=Reservation.State.ACTIVE, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .select_for_update(of=("self",), no_key=True, skip_locked=True)[:limit]
    )


def lock_stock_levels(stock_level_ids: Collection[int]) -> dict[int, StockLevel]:
    """Lock stock rows in id order; return them by id with their warehouse loaded."""
    if not stock_level_ids:
        return {}
    rows = (
        StockLevel.objects.filter(pk__in=list(stock_level_ids))
        .select_related("warehouse")
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
    )
    return {row.pk: row for row in rows}


def lock_variants_for_backorder(variant_ids: Collection[int]) -> dict[int, Variant]:
    """Level 0a: lock the variants an order may sell beyond stock, in id order; return them
    fresh (their policy as it stands now). Call before any other inventory lock."""
    if not variant_ids:
        return {}
    rows = (
        Variant.objects.filter(pk__in=list(variant_ids))
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
    )
    return {row.pk: row for row in rows}


def lock_waiting_backorders(variant_ids: Collection[int]) -> list[Backorder]:
    """Level 0b: lock the variants' paid back-orders still waiting for stock, oldest first."""
    if not variant_ids:
        return []
    return list(
        Backorder.objects.filter(variant_id__in=list(variant_ids), state=Backorder.State.WAITING)
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def lock_backorders_of_reference(reference: str, *, states: Collection[str]) -> list[Backorder]:
    """A checkout's back-orders in ``states``, locked in id order (its order's flows only)."""
    return list(
        Backorder.objects.filter(reference=reference, state__in=list(states))
        .order_by("pk")
        .select_for_update(of=("self",))
    )
