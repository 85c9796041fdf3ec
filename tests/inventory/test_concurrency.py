"""Real threads, each on its own PostgreSQL connection, released together by a barrier.

These tests use ``committed_store`` (writes really commit, no test transaction), so they carry
no ``django_db`` marker.
"""

import random

from django.db import OperationalError
from django.db.models import Count, Sum

from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock, ReservationNotFound
from apps.inventory.models import Reservation, StockLevel, StockMovement
from apps.inventory.selectors import list_stock_drift
from tests.concurrency import run_concurrently
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, stock


def reserve_one(reference: str, variant_id: int, quantity: int = 1):
    return inventory_services.reserve(reference=reference, lines=[(variant_id, quantity)])


def commit(reference: str):
    return inventory_services.commit_reservation(reference=reference, order_reference=reference)


def assert_ledger_and_holds_match_counters():
    assert list_stock_drift() == []
    for level in StockLevel.objects.all():
        assert 0 <= level.reserved <= level.on_hand


def test_fifty_buyers_racing_for_ten_units_get_exactly_ten_holds(committed_store):
    variant = VariantFactory()
    warehouse = WarehouseFactory()
    stock(variant, warehouse, 10)

    results = run_concurrently(
        reserve_one, [(f"checkout:{n}", variant.id) for n in range(50)], store=committed_store
    )

    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(won), len(lost)) == (10, 40), [r for r in results if isinstance(r, Exception)]
    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.reserved) == (10, 10)
    assert Reservation.objects.filter(state="active").aggregate(n=Sum("quantity"))["n"] == 10

    winners = [holds[0].reference for holds in won]
    commits = run_concurrently(commit, [(ref,) for ref in winners], store=committed_store)

    assert commits == [None] * 10
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (0, 0)
    assert StockMovement.objects.filter(reason="sale").count() == 10
    assert_ledger_and_holds_match_counters()


def test_baskets_with_the_same_two_skus_in_opposite_order_never_deadlock(committed_store):
    warehouse = WarehouseFactory()
    first, second = VariantFactory(), VariantFactory()
    # Stock rows in the opposite order of the variants, so row order ≠ basket order.
    stock(second, warehouse, 1000)
    stock(first, warehouse, 1000)
    baskets = [
        (
            f"checkout:{n}",
            [(first.id, 1), (second.id, 1)] if n % 2 else [(second.id, 1), (first.id, 1)],
        )
        for n in range(24)
    ]

    def reserve_basket(reference, lines):
        return inventory_services.reserve(reference=reference, lines=lines)

    def re_reserve_reversed(reference, lines):  # the locked path: releases, then takes again
        return inventory_services.reserve(reference=reference, lines=list(reversed(lines)))

    rounds = [
        run_concurrently(reserve_basket, baskets, store=committed_store),
        run_concurrently(re_reserve_reversed, baskets, store=committed_store),
        run_concurrently(commit, [(ref,) for ref, _ in baskets], store=committed_store),
    ]

    errors = [r for results in rounds for r in results if isinstance(r, Exception)]
    assert not [e for e in errors if isinstance(e, OperationalError)], errors
    assert errors == []
    for variant in (first, second):
        level = StockLevel.objects.get(variant=variant)
        assert (level.on_hand, level.reserved) == (1000 - 24, 0)
    assert_ledger_and_holds_match_counters()


def test_reservations_split_across_two_warehouses_under_contention_commit_right(
    committed_store,
):
    variant = VariantFactory()
    main = WarehouseFactory(priority=1)
    overflow = WarehouseFactory(priority=2)
    stock(variant, main, 5)
    stock(variant, overflow, 5)

    results = run_concurrently(
        reserve_one, [(f"checkout:{n}", variant.id, 3) for n in range(6)], store=committed_store
    )
    won = [r[0].reference for r in results if isinstance(r, list)]
    commits = run_concurrently(commit, [(ref,) for ref in won], store=committed_store)

    assert len(won) == 3  # 3 × 3 of 10 units; a fourth basket would need 12
    assert sum(isinstance(r, InsufficientStock) for r in results) == 3
    assert commits == [None] * 3
    split = Reservation.objects.values("reference").annotate(rows=Count("pk")).filter(rows__gt=1)
    assert split.exists()  # at least one basket took units from both warehouses
    rows = {level.warehouse_id: level for level in StockLevel.objects.filter(variant=variant)}
    assert rows[main.id].on_hand + rows[overflow.id].on_hand == 1
    assert rows[main.id].reserved == rows[overflow.id].reserved == 0
    assert rows[main.id].on_hand == 0  # the higher-priority warehouse empties first
    assert_ledger_and_holds_match_counters()


def test_buyers_racing_for_units_of_expired_holds_never_oversell(committed_store):
    variant = VariantFactory()
    warehouse = WarehouseFactory()
    stock(variant, warehouse, 6)
    for n in range(3):
        reserve_one(f"checkout:old{n}", variant.id, 2)
    Reservation.objects.update(expires_at="2000-01-01T00:00:00Z")

    results = run_concurrently(
        reserve_one, [(f"checkout:{n}", variant.id, 1) for n in range(12)], store=committed_store
    )
    swept = inventory_services.release_expired()

    assert sum(isinstance(r, list) for r in results) == 6
    assert sum(isinstance(r, InsufficientStock) for r in results) == 6
    assert swept == 0  # the buyers reclaimed every expired hold themselves
    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.reserved) == (6, 6)
    assert_ledger_and_holds_match_counters()


def test_a_crowd_mixing_every_stock_operation_keeps_the_invariants(committed_store):
    warehouses = [WarehouseFactory(priority=1), WarehouseFactory(priority=2)]
    variants = [VariantFactory(), VariantFactory(), VariantFactory()]
    for variant in variants:
        for warehouse in warehouses:
            stock(variant, warehouse, 6)

    def shopper(seed: int):
        rng = random.Random(seed)
        outcomes = []
        for _ in range(6):
            reference = f"checkout:{seed}:{rng.randrange(2)}"
            action = rng.choice(["reserve", "reserve", "commit", "release", "sweep", "adjust"])
            try:
                if action == "reserve":
                    picked = rng.sample(variants, rng.randint(1, 3))
                    inventory_services.reserve(
                        reference=reference, lines=[(v.id, rng.randint(1, 3)) for v in picked]
                    )
                    if rng.random() < 0.3:
                        Reservation.objects.filter(reference=reference, state="active").update(
                            expires_at="2000-01-01T00:00:00Z"
                        )
                elif action == "commit":
                    inventory_services.commit_reservation(reference=reference)
                elif action == "release":
                    inventory_services.release_reservation(reference=reference)
                elif action == "sweep":
                    inventory_services.release_expired(batch_size=3)
                else:
                    inventory_services.adjust_stock(
                        variant_id=rng.choice(variants).id,
                        warehouse_id=rng.choice(warehouses).id,
                        delta=rng.choice([-2, -1, 1, 2]),
                        reason="adjustment",
                    )
                outcomes.append(action)
            except (InsufficientStock, ReservationNotFound):
                outcomes.append(f"{action}: refused")
        return outcomes

    results = run_concurrently(shopper, [(seed,) for seed in range(32)], store=committed_store)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert_ledger_and_holds_match_counters()


def test_counts_racing_to_create_the_same_stock_rows_leave_one_row_each_and_a_whole_ledger(
    committed_store,
):
    variants = [VariantFactory() for _ in range(3)]
    warehouse = WarehouseFactory()
    counts = [7, 4, 9, 4]

    results = run_concurrently(
        lambda count: inventory_services.set_stock_levels(
            levels=[(v.id, warehouse.id, count) for v in variants]
        ),
        [(count,) for count in counts],
        store=committed_store,
    )

    assert not [r for r in results if isinstance(r, BaseException)], results
    levels = StockLevel.objects.filter(warehouse=warehouse)
    assert levels.count() == 3  # one row per variant, whoever inserted it
    assert len({level.on_hand for level in levels}) == 1  # the same last count for all
    assert levels.first().on_hand in counts
    assert_ledger_and_holds_match_counters()
    moved = StockMovement.objects.filter(reason="import").aggregate(total=Sum("delta"))["total"]
    assert moved == sum(level.on_hand for level in levels)
