"""Selling beyond stock on purpose: back-orders and pre-orders (``apps/inventory/policies.py``).

Units sold beyond stock never touch ``on_hand``: the no-oversell invariant of the stock rows
stands as it is, and a variant whose policy is ``deny`` never comes here. Instead each order's
units beyond stock become a ``Backorder`` row, and the ledger records them in its
``backordered`` column (``backorder`` rows, delta 0, when the order is paid;
``backorder_fill`` rows, delta −n, when received stock fills them, oldest first).

Lock order (``locks.py``): the variants sold beyond stock (0a), waiting back-orders (0b), then
the reservation levels 1–3.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.catalog.models import InventoryPolicy, Variant
from apps.inventory import locks, policies, selectors
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import Backorder, StockLevel, StockMovement
from apps.inventory.services.counters import change_counters, write_ledger
from apps.inventory.services.reserving import reserve, shortage_error
from apps.preferences import selectors as preferences_selectors
from apps.search import services as search_services

# A concurrent change of free units that reserve() saw before we did (a merchant's correction,
# say) makes it refuse the plan; the plan is made again from the new figure.
_ATTEMPTS = 3


@transaction.atomic
def reserve_allowing_backorders(
    *, reference: str, lines: Sequence[tuple[Variant, int]], minutes: int | None = None
) -> dict[int, Backorder]:
    """``reserve`` for an order with variants that may sell beyond stock.

    Free units are held as usual; what a back-order or pre-order variant lacks becomes a
    pending ``Backorder`` (returned per variant id). "Deny" lines keep every guarantee of
    ``reserve``: a shortage of theirs raises ``InsufficientStock``. A pre-order beyond its cap
    raises ``InsufficientStock`` too, with what can still be had. Call inside the order's
    transaction, before any other inventory lock.
    """
    today = timezone.localdate()
    wanted = {variant.id: (variant, quantity) for variant, quantity in lines}
    candidates = [v.id for v, _ in lines if v.inventory_policy != InventoryPolicy.DENY]
    # Level 0a: fresh rows, so a policy changed meanwhile counts as it stands now.
    locked = locks.lock_variants_for_backorder(candidates)
    beyond = {pk: v for pk, v in locked.items() if policies.accepts_beyond_stock(v, today=today)}
    Backorder.objects.filter(reference=reference, state=Backorder.State.PENDING).update(
        state=Backorder.State.CANCELLED, updated_at=timezone.now()
    )
    for attempt in range(_ATTEMPTS):
        free = selectors.get_available_by_variant(beyond)
        plan: list[tuple[int, int]] = []
        owed: dict[int, int] = {}
        for variant_id, (_, quantity) in wanted.items():
            take = min(quantity, free.get(variant_id, 0)) if variant_id in beyond else quantity
            if take:
                plan.append((variant_id, take))
            if quantity > take:
                owed[variant_id] = quantity - take
        _check_preorder_caps(beyond, owed, wanted)
        try:
            holds = reserve(reference=reference, lines=plan, minutes=minutes) if plan else []
        except InsufficientStock as exc:
            short = {line["variant_id"] for line in exc.extra.get("lines", [])}
            if short - set(beyond) or attempt == _ATTEMPTS - 1:
                raise
            continue
        break
    if holds:
        expires_at = holds[0].expires_at
    else:
        lifetime = minutes or preferences_selectors.get_store_settings().reservation_minutes
        expires_at = timezone.now() + timedelta(minutes=lifetime)
    created = Backorder.objects.bulk_create(
        Backorder(
            reference=reference,
            variant_id=variant_id,
            kind=beyond[variant_id].inventory_policy,
            quantity=units,
            ships_on=policies.ships_on(beyond[variant_id], today=today),
            expires_at=expires_at,
        )
        for variant_id, units in owed.items()
    )
    return {row.variant_id: row for row in created}


def _check_preorder_caps(
    beyond: dict[int, Variant], owed: dict[int, int], wanted: dict[int, tuple[Variant, int]]
) -> None:
    """Raise InsufficientStock when pre-orders would pass a cap (the variant lock is held, so
    the sum read is the sum that stands)."""
    capped = [
        pk
        for pk in owed
        if beyond[pk].inventory_policy == InventoryPolicy.PREORDER
        and beyond[pk].preorder_cap is not None
    ]
    if not capped:
        return
    taken = dict(
        Backorder.objects.filter(variant_id__in=capped, kind=Backorder.Kind.PREORDER)
        .exclude(state=Backorder.State.CANCELLED)
        .order_by()
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant_id", "units")
    )
    short = []
    for pk in capped:
        left = max(beyond[pk].preorder_cap - taken.get(pk, 0), 0)
        if owed[pk] > left:
            requested = wanted[pk][1]
            short.append(
                {"variant_id": pk, "requested": requested, "available": requested - owed[pk] + left}
            )
    if short:
        raise shortage_error(short)


@transaction.atomic
def confirm_backorders(*, reference: str, order_reference: str) -> int:
    """The order is paid: its pending back-orders wait for stock; one ``backorder`` ledger row
    each (delta 0, ``backordered`` +n). Idempotent; returns how many were confirmed."""
    pending = locks.lock_backorders_of_reference(reference, states=[Backorder.State.PENDING])
    if not pending:
        return 0
    warehouse_id = selectors.get_restock_warehouse_id(variant_id=pending[0].variant_id)
    Backorder.objects.filter(pk__in=[b.pk for b in pending]).update(
        state=Backorder.State.WAITING, order_reference=order_reference[:64],
        updated_at=timezone.now(),
    )  # fmt: skip
    if warehouse_id is not None:  # a store without any location has no ledger to write to
        write_ledger(
            StockMovement(
                variant_id=b.variant_id, warehouse_id=warehouse_id, delta=0,
                backordered=b.quantity, reason=StockMovement.Reason.BACKORDER,
                order_reference=order_reference[:64],
            )
            for b in pending
        )  # fmt: skip
    return len(pending)


@transaction.atomic
def cancel_backorders(*, reference: str, note: str = "Order cancelled") -> dict[int, int]:
    """Cancel a checkout's pending and waiting back-orders; return, per variant, the units
    that never left the shelf (the caller restocks only the rest). Idempotent."""
    rows = locks.lock_backorders_of_reference(
        reference, states=[Backorder.State.PENDING, Backorder.State.WAITING]
    )
    if not rows:
        return {}
    unshipped: dict[int, int] = defaultdict(int)
    ledger = []
    warehouse_id = selectors.get_restock_warehouse_id(variant_id=rows[0].variant_id)
    for row in rows:
        unshipped[row.variant_id] += row.outstanding
        if row.state == Backorder.State.WAITING and warehouse_id is not None:
            ledger.append(
                StockMovement(
                    variant_id=row.variant_id, warehouse_id=warehouse_id, delta=0,
                    backordered=-row.outstanding, reason=StockMovement.Reason.BACKORDER,
                    order_reference=row.order_reference, note=note[:255],
                )
            )  # fmt: skip
    Backorder.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=Backorder.State.CANCELLED, updated_at=timezone.now()
    )
    write_ledger(ledger)
    return dict(unshipped)


def fill_waiting_backorders(waiting: Sequence[Backorder], levels: Sequence[StockLevel]) -> int:
    """Allocate free units of ``levels`` (in the order given) to ``waiting``, oldest first.

    Call with both locked (``locks.lock_waiting_backorders`` before the stock rows). Each
    allocation is a ``backorder_fill`` ledger row: delta −n (the units leave the shelf for
    their order) and ``backordered`` −n. Returns the units allocated.
    """
    now = timezone.now()
    free = {level.pk: max(level.on_hand - level.reserved, 0) for level in levels}
    taken: dict[int, int] = defaultdict(int)
    ledger, total = [], 0
    for backorder in sorted(waiting, key=lambda b: b.pk):
        for level in levels:
            if level.variant_id != backorder.variant_id or backorder.outstanding == 0:
                continue
            units = min(backorder.outstanding, free[level.pk])
            if units == 0:
                continue
            free[level.pk] -= units
            taken[level.pk] += units
            total += units
            backorder.filled_quantity += units
            ledger.append(
                StockMovement(
                    variant_id=backorder.variant_id, warehouse_id=level.warehouse_id,
                    delta=-units, backordered=-units, reason=StockMovement.Reason.BACKORDER_FILL,
                    order_reference=backorder.order_reference,
                )
            )  # fmt: skip
        if backorder.outstanding == 0:
            backorder.state = Backorder.State.FILLED
        backorder.updated_at = now
    if not total:
        return 0
    change_counters({pk: (-units, 0) for pk, units in taken.items()}, now=now)
    Backorder.objects.bulk_update(waiting, ["filled_quantity", "state", "updated_at"])
    write_ledger(ledger)
    search_services.mark_stock_changed(variant_ids={b.variant_id for b in waiting})
    return total


@transaction.atomic
def fill_backorders(*, variant_ids: Sequence[int]) -> int:
    """Fill the variants' waiting back-orders from their free units now (warehouses by
    priority): the admin's action, for stock that arrived while the orders were unpaid."""
    waiting = locks.lock_waiting_backorders(variant_ids)
    if not waiting:
        return 0
    ids = (
        StockLevel.objects.filter(
            variant_id__in={b.variant_id for b in waiting}, warehouse__active=True
        )
        .order_by("warehouse__priority", "pk")
        .values_list("pk", flat=True)
    )
    ordered = list(ids)
    levels = locks.lock_stock_levels(ordered)
    return fill_waiting_backorders(waiting, [levels[pk] for pk in ordered])
