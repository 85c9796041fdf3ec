"""Random sequences of stock operations keep every invariant (Hypothesis stateful testing).

A small model predicts what ``reserve`` must do — succeed exactly when each variant has enough
units that are neither sold nor held by another checkout's unexpired hold — and, after every
step, the database must satisfy: the ledger sums to on_hand, reserved equals the live holds,
0 <= reserved <= on_hand, and on_hand matches the model.
"""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import Reservation, StockLevel
from apps.inventory.selectors import list_stock_drift
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, expire_reservations

REFERENCES = [f"checkout:{n}" for n in range(4)]
ACTIVE, EXPIRED, COMMITTED, RELEASED = "active", "expired", "committed", "released"


class StockLedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint of the test's transaction, rolled back at teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.warehouses = [WarehouseFactory(priority=1), WarehouseFactory(priority=2)]
        self.variants = [VariantFactory().id, VariantFactory().id]
        self.on_hand = dict.fromkeys(self.variants, 0)
        self.checkouts: dict[str, tuple[dict[int, int], str]] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the model --------------------------------------------------------------------------
    def held_by_others(self, variant_id: int, reference: str) -> int:
        return sum(
            lines.get(variant_id, 0)
            for ref, (lines, state) in self.checkouts.items()
            if ref != reference and state == ACTIVE
        )

    # --- operations -------------------------------------------------------------------------
    @initialize(quantities=st.lists(st.integers(0, 6), min_size=4, max_size=4))
    def opening_stock(self, quantities):
        for (v, w), quantity in zip([(0, 0), (0, 1), (1, 0), (1, 1)], quantities, strict=True):
            if quantity:
                self.stock_in(True, v, w, quantity)

    @rule(
        is_return=st.booleans(),
        v=st.integers(0, 1),
        w=st.integers(0, 1),
        quantity=st.integers(1, 6),
    )
    def stock_in(self, is_return, v, w, quantity):
        receive = (
            inventory_services.restock_return if is_return else inventory_services.receive_stock
        )
        receive(variant_id=self.variants[v], warehouse_id=self.warehouses[w].id, quantity=quantity)
        self.on_hand[self.variants[v]] += quantity

    @rule(v=st.integers(0, 1), w=st.integers(0, 1), delta=st.integers(-6, 6).filter(bool))
    def adjust(self, v, w, delta):
        try:
            inventory_services.adjust_stock(
                variant_id=self.variants[v],
                warehouse_id=self.warehouses[w].id,
                delta=delta,
                reason="adjustment",
            )
        except InsufficientStock:
            assert delta < 0  # only removing units can collide with holds or an empty row
            return
        self.on_hand[self.variants[v]] += delta

    @rule(reference=st.sampled_from(REFERENCES), v=st.integers(0, 1), quantity=st.integers(1, 5))
    def reserve_one_line(self, reference, v, quantity):
        self.reserve(reference, *((quantity, 0) if v == 0 else (0, quantity)))

    @rule(reference=st.sampled_from(REFERENCES), v=st.integers(0, 1), quantity=st.integers(1, 5))
    def abandoned_checkout(self, reference, v, quantity):
        """A shopper reserves and walks away; the hold outlives its expiry."""
        self.reserve_one_line(reference, v, quantity)
        self.expire(reference)

    @rule(
        reference=st.sampled_from(REFERENCES),
        first=st.integers(0, 4),
        second=st.integers(0, 4),
    )
    def reserve(self, reference, first, second):
        lines = {v: q for v, q in zip(self.variants, (first, second), strict=True) if q}
        if not lines:
            return
        enough = all(
            q <= self.on_hand[v] - self.held_by_others(v, reference) for v, q in lines.items()
        )
        try:
            inventory_services.reserve(reference=reference, lines=list(lines.items()))
        except InsufficientStock:
            assert not enough, "reserve refused units the model says are free"
            return
        assert enough, "reserve took units the model says are not free"
        self.checkouts[reference] = (lines, ACTIVE)

    @precondition(lambda self: self.checkouts)
    @rule(data=st.data())
    def commit(self, data):
        reference = data.draw(st.sampled_from(sorted(self.checkouts)))
        lines, state = self.checkouts[reference]
        try:
            inventory_services.commit_reservation(reference=reference, order_reference=reference)
        except InsufficientStock:
            # Only a hold released after expiry (or by the checkout) can have lost its units.
            assert state in (EXPIRED, RELEASED)
            return
        if state != COMMITTED:
            for v, q in lines.items():
                self.on_hand[v] -= q
        self.checkouts[reference] = (lines, COMMITTED)

    @precondition(lambda self: self.checkouts)
    @rule(data=st.data())
    def release(self, data):
        reference = data.draw(st.sampled_from(sorted(self.checkouts)))
        lines, state = self.checkouts[reference]
        released = inventory_services.release_reservation(reference=reference)
        if state == ACTIVE:
            assert released >= 1
        if state in (ACTIVE, EXPIRED):
            self.checkouts[reference] = (lines, RELEASED)
        else:
            assert released == 0

    @precondition(lambda self: self.checkouts)
    @rule(data=st.data())
    def let_a_hold_expire(self, data):
        reference = data.draw(st.sampled_from(sorted(self.checkouts)))
        self.expire(reference)

    def expire(self, reference):
        if reference not in self.checkouts:
            return
        lines, state = self.checkouts[reference]
        expire_reservations(reference)
        if state == ACTIVE:
            self.checkouts[reference] = (lines, EXPIRED)

    @rule()
    def sweep_twice(self):
        inventory_services.release_expired(batch_size=2)
        assert inventory_services.release_expired(batch_size=2) == 0

    # --- invariants (one function: fewer queries per step) --------------------------------
    @invariant()
    def stock_is_consistent(self):
        # The reconciler's check: on_hand == ledger sum and reserved == live holds, per row.
        assert list_stock_drift() == []
        totals = {v: 0 for v in self.variants}
        for variant_id, on_hand, reserved in StockLevel.objects.filter(
            variant_id__in=self.variants
        ).values_list("variant_id", "on_hand", "reserved"):
            assert 0 <= reserved <= on_hand
            totals[variant_id] += on_hand
        assert totals == self.on_hand
        held: dict[str, dict[int, int]] = {}
        for reference, variant_id, units in (
            Reservation.objects.filter(variant_id__in=self.variants, state="active")
            .values("reference", "variant_id")
            .annotate(units=Sum("quantity"))
            .values_list("reference", "variant_id", "units")
        ):
            held.setdefault(reference, {})[variant_id] = units
        for reference, (lines, state) in self.checkouts.items():
            if state == ACTIVE:
                assert held.get(reference) == lines


@pytest.mark.django_db
def test_random_operation_sequences_keep_ledger_counters_and_holds_consistent():
    run_state_machine_as_test(
        StockLedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
