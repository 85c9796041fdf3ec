"""A checkout's holds after ``reserve``: commit them as a sale, release them, sweep expired ones.

Lock order as everywhere: the reference lock, then hold rows, then stock rows (``locks.py``).
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.inventory import locks, sql
from apps.inventory.exceptions import ReservationNotFound
from apps.inventory.models import Reservation, StockMovement
from apps.inventory.services import alerts
from apps.inventory.services.counters import change_counters, release_holds, write_ledger
from apps.inventory.services.reserving import ACTIVE, shortage_error
from apps.inventory.validation import check_reference
from apps.observability import metrics
from apps.search import services as search_services

logger = logging.getLogger(__name__)


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

    The usual case — every hold of the batch still active — is one statement (the function
    takes the same locks in the same order and writes the same rows); a batch with a released
    hold goes down the general path below, which re-takes it.
    """
    check_reference(reference)
    # The usual commit in one call of the ``inventory_commit`` PL/pgSQL function (migration
    # ``0004``; source in ``apps/inventory/sql/inventory_commit_v1.sql``).
    outcome = sql.call_commit(
        reference=reference,
        lock_key=locks.reference_lock_key(reference),
        order_reference=order_reference,
        actor_id=actor_id,
        now=timezone.now(),
    )
    if outcome == "not_found":
        raise ReservationNotFound(
            "No stock was reserved for this reference.", extra={"reference": reference}
        )
    if outcome == "retake":
        _commit_with_retake(reference=reference, order_reference=order_reference, actor_id=actor_id)


@transaction.atomic
def _commit_with_retake(*, reference: str, order_reference: str, actor_id: int | None) -> None:
    """``commit_reservation`` when a hold of the batch was released: re-take its units from
    the same stock rows if they are still free, else raise ``InsufficientStock`` (nothing
    changes: the savepoint undoes the reclaimed holds)."""
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
        search_services.mark_stock_changed(variant_ids={levels[pk].variant_id for pk in levels})


def _check_retake_possible(retaken, levels, freed) -> None:
    """Raise InsufficientStock unless every released hold fits in its row's free units.

    Free units of a row, as ``inventory_free_stock`` defines them for readers, but taken here
    under lock from the locked row itself: on_hand − reserved plus the expired holds of others
    just reclaimed (released above, so a read of ``inventory_free_stock`` now would miss them).
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
        raise shortage_error(short)


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
    metrics.count_on_commit(metrics.reservations_reclaimed, len(holds))
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
