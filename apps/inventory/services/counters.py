"""Low-level writes shared by the stock services: counter changes, ledger rows, hold states.

Callers hold the locks (``apps.inventory.locks``) of every row these functions change.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

from apps.inventory import sql
from apps.inventory.models import Reservation, StockMovement


def change_counters(changes: Mapping[int, tuple[int, int]], *, now: datetime) -> None:
    """Add ``(on_hand_delta, reserved_delta)`` to each stock row, in one statement.

    Call with the rows locked (``locks.lock_stock_levels``); the CHECK constraints still stand
    guard, so a bug can fail the transaction but never store an oversold row.
    """
    changes = {pk: delta for pk, delta in changes.items() if delta != (0, 0)}
    if not changes:
        return
    sql.change_counters(changes, now=now)


def release_holds(holds: Iterable[Reservation], *, reason_for, now: datetime) -> dict[int, int]:
    """Mark locked active holds released; return units freed per stock row.

    ``reason_for(hold)`` gives each hold's ``Reservation.ReleaseReason``. The caller must then
    take the returned units off each row's ``reserved`` in the same transaction.
    """
    by_reason: dict[str, list[int]] = defaultdict(list)
    freed: dict[int, int] = defaultdict(int)
    for hold in holds:
        if hold.state != Reservation.State.ACTIVE:
            continue
        reason = reason_for(hold)
        by_reason[reason].append(hold.pk)
        freed[hold.stock_level_id] += hold.quantity
        hold.state = Reservation.State.RELEASED
        hold.release_reason = reason
    for reason, ids in by_reason.items():
        Reservation.objects.filter(pk__in=ids).update(
            state=Reservation.State.RELEASED, release_reason=reason, updated_at=now
        )
    return dict(freed)


def write_ledger(rows: Iterable[StockMovement]) -> None:
    StockMovement.objects.bulk_create(list(rows))
