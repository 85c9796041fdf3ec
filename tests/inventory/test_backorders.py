"""Selling beyond stock on purpose: back-orders and pre-orders, with committed transactions and
real threads where concurrency is the point (``tests/concurrency.py``)."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.catalog.models import InventoryPolicy
from apps.checkout import services as checkout_services
from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import Backorder, StockLevel, StockMovement
from apps.orders import services as order_services
from apps.orders.models import Order
from tests.concurrency import run_concurrently
from tests.factories.inventory import WarehouseFactory
from tests.shopping import ready_checkout, stocked_variant


def _place(checkout):
    return checkout_services.place_order(checkout=checkout).order


def _pay(order):
    return order_services.mark_order_paid(order_id=order.id, amount=order.total)


def _assert_ledger_never_negative(variant):
    """on_hand equals the ledger's sum, and no prefix of the ledger ever went below zero."""
    running = 0
    for delta in (
        StockMovement.objects.filter(variant=variant).order_by("id").values_list("delta", flat=True)
    ):
        running += delta
        assert running >= 0
    on_hand = StockLevel.objects.filter(variant=variant).aggregate(s=Sum("on_hand"))["s"]
    assert running == on_hand >= 0


def _backordered_in_ledger(variant) -> int:
    return StockMovement.objects.filter(variant=variant).aggregate(s=Sum("backordered"))["s"] or 0


def test_twenty_concurrent_buyers_for_five_units_make_twenty_orders_and_fifteen_backorders(
    committed_store,
):
    variant = stocked_variant(stock=5, inventory_policy=InventoryPolicy.BACKORDER)
    checkouts = [ready_checkout(lines=[(variant, 1)], email=f"b{i}@x.test") for i in range(20)]

    results = run_concurrently(_place, [(c,) for c in checkouts], store=committed_store)

    orders = [r for r in results if isinstance(r, Order)]
    assert len(orders) == 20, results
    for order in orders:
        _pay(order)
    lines = [order.lines.get() for order in orders]
    assert sum(line.backordered_quantity for line in lines) == 15
    assert {line.backorder_kind for line in lines if line.backordered_quantity} == {"backorder"}
    waiting = Backorder.objects.filter(variant=variant, state=Backorder.State.WAITING)
    assert waiting.aggregate(s=Sum("quantity"))["s"] == 15
    assert _backordered_in_ledger(variant) == 15
    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.reserved) == (0, 0)
    _assert_ledger_never_negative(variant)


def test_preorder_cap_holds_under_concurrency(committed_store):
    variant = stocked_variant(
        stock=0,
        inventory_policy=InventoryPolicy.PREORDER,
        preorder_until=timezone.localdate() + timedelta(days=30),
        preorder_cap=5,
    )
    WarehouseFactory()
    checkouts = [ready_checkout(lines=[(variant, 1)], email=f"p{i}@x.test") for i in range(12)]

    results = run_concurrently(_place, [(c,) for c in checkouts], store=committed_store)

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(placed), len(refused)) == (5, 7), results
    assert Backorder.objects.filter(variant=variant, kind="preorder").count() == 5
    assert refused[0].extra["lines"] == [{"variant_id": variant.id, "requested": 1, "available": 0}]
    assert all(o.lines.get().backorder_ships_on == variant.preorder_until for o in placed)


@pytest.mark.django_db
def test_receiving_stock_fills_waiting_backorders_oldest_first_in_the_same_transaction():
    warehouse = WarehouseFactory()
    variant = stocked_variant(
        stock=1, warehouse=warehouse, inventory_policy=InventoryPolicy.BACKORDER
    )
    first = _pay(_place(ready_checkout(lines=[(variant, 3)], email="a@x.test")))  # 1 + 2 owed
    second = _pay(_place(ready_checkout(lines=[(variant, 2)], email="b@x.test")))  # 2 owed
    assert _backordered_in_ledger(variant) == 4

    inventory_services.receive_stock(variant_id=variant.id, warehouse_id=warehouse.id, quantity=3)

    rows = {b.order_reference: b for b in Backorder.objects.filter(variant=variant)}
    assert (rows[str(first.number)].state, rows[str(first.number)].filled_quantity) == (
        "filled",
        2,
    )
    assert (rows[str(second.number)].state, rows[str(second.number)].filled_quantity) == (
        "waiting",
        1,
    )
    assert StockLevel.objects.get(variant=variant).on_hand == 0  # every unit went to them
    assert _backordered_in_ledger(variant) == 1
    _assert_ledger_never_negative(variant)

    inventory_services.receive_stock(variant_id=variant.id, warehouse_id=warehouse.id, quantity=5)
    assert StockLevel.objects.get(variant=variant).on_hand == 4
    assert _backordered_in_ledger(variant) == 0
    _assert_ledger_never_negative(variant)


@pytest.mark.django_db
def test_deny_policy_still_refuses_beyond_stock():
    variant = stocked_variant(stock=2)
    checkout = ready_checkout(lines=[(variant, 2)])
    inventory_services.adjust_stock(
        variant_id=variant.id,
        warehouse_id=StockLevel.objects.get(variant=variant).warehouse_id,
        delta=-1,
        reason="adjustment",
    )
    with pytest.raises(InsufficientStock):
        _place(checkout)
    assert not Backorder.objects.exists()
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_cancelling_a_paid_backordered_order_restocks_only_units_that_left_the_shelf():
    variant = stocked_variant(stock=2, inventory_policy=InventoryPolicy.BACKORDER)
    order = _pay(_place(ready_checkout(lines=[(variant, 5)])))
    assert order.lines.get().backordered_quantity == 3

    order_services.cancel_order(order_id=order.id, reason="test")

    assert Backorder.objects.get(variant=variant).state == "cancelled"
    assert _backordered_in_ledger(variant) == 0
    assert StockLevel.objects.get(variant=variant).on_hand == 2
    _assert_ledger_never_negative(variant)


@pytest.mark.django_db
def test_a_wholly_preordered_unpaid_order_keeps_its_deadline():
    variant = stocked_variant(
        stock=0,
        inventory_policy=InventoryPolicy.PREORDER,
        preorder_until=timezone.localdate() + timedelta(days=10),
    )
    WarehouseFactory()
    _place(ready_checkout(lines=[(variant, 2)]))

    assert order_services.cancel_expired_orders() == 0
    assert order_services.cancel_expired_orders(now=timezone.now() + timedelta(hours=2)) == 1
    assert Backorder.objects.get(variant=variant).state == "cancelled"


@pytest.mark.django_db
def test_a_preorder_past_its_date_sells_free_units_only():
    variant = stocked_variant(
        stock=0,
        inventory_policy=InventoryPolicy.PREORDER,
        preorder_until=timezone.localdate() - timedelta(days=1),
    )
    WarehouseFactory()
    from apps.cart.exceptions import QuantityUnavailable

    with pytest.raises(QuantityUnavailable):
        ready_checkout(lines=[(variant, 1)])
