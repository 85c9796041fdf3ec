import pytest
from django.db import IntegrityError, transaction

from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock, InvalidQuantity, UnknownStockItem
from apps.inventory.models import StockLevel, StockMovement
from apps.inventory.validation import MAX_STOCK_LEVEL
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import expire_reservations

pytestmark = pytest.mark.django_db


def test_receiving_stock_adds_units_and_a_restock_ledger_row(warehouse):
    variant = VariantFactory()

    inventory_services.receive_stock(
        variant_id=variant.id, warehouse_id=warehouse.id, quantity=5, note="PO 17"
    )
    level = inventory_services.receive_stock(
        variant_id=variant.id, warehouse_id=warehouse.id, quantity=3
    )

    assert (level.on_hand, level.reserved) == (8, 0)
    assert list(StockMovement.objects.order_by("pk").values_list("delta", "reason", "note")) == [
        (5, "restock", "PO 17"),
        (3, "restock", ""),
    ]


def test_a_return_puts_units_back_with_a_return_ledger_row(stocked_variant, warehouse):
    variant = stocked_variant(2)

    level = inventory_services.restock_return(
        variant_id=variant.id, warehouse_id=warehouse.id, quantity=1, order_reference="order:9"
    )

    assert level.on_hand == 3
    movement = StockMovement.objects.get(reason="return")
    assert (movement.delta, movement.order_reference) == (1, "order:9")


def test_adjusting_stock_down_records_who_and_why(stocked_variant, warehouse):
    variant = stocked_variant(10)

    level = inventory_services.adjust_stock(
        variant_id=variant.id,
        warehouse_id=warehouse.id,
        delta=-4,
        reason="adjustment",
        note="stock count",
    )

    assert level.on_hand == 6
    movement = StockMovement.objects.get(reason="adjustment")
    assert (movement.delta, movement.note) == (-4, "stock count")


def test_adjusting_cannot_remove_units_held_by_checkouts(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])

    with pytest.raises(InsufficientStock) as excinfo:
        inventory_services.adjust_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, delta=-2, reason="adjustment"
        )

    assert excinfo.value.extra["lines"][0]["available"] == 1
    assert StockLevel.objects.get(variant=variant).on_hand == 5
    assert StockMovement.objects.count() == 1


def test_adjusting_reclaims_expired_holds_before_refusing(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])
    expire_reservations("checkout:a")

    level = inventory_services.adjust_stock(
        variant_id=variant.id, warehouse_id=warehouse.id, delta=-5, reason="adjustment"
    )

    assert (level.on_hand, level.reserved) == (0, 0)


def test_removing_stock_that_was_never_there_is_a_shortage(warehouse):
    variant = VariantFactory()

    with pytest.raises(InsufficientStock):
        inventory_services.adjust_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, delta=-1, reason="adjustment"
        )


@pytest.mark.parametrize("quantity", [0, -3, 2.5, "4", None, True, 10**7])
def test_receiving_a_bad_quantity_changes_nothing(stocked_variant, warehouse, quantity):
    variant = stocked_variant(5)

    with pytest.raises(InvalidQuantity):
        inventory_services.receive_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, quantity=quantity
        )

    assert StockLevel.objects.get(variant=variant).on_hand == 5
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize("delta", [0, 1.5, "-2", None, 10**7, -(10**7)])
def test_adjusting_by_a_bad_amount_changes_nothing(stocked_variant, warehouse, delta):
    variant = stocked_variant(5)

    with pytest.raises(InvalidQuantity):
        inventory_services.adjust_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, delta=delta, reason="adjustment"
        )

    assert StockLevel.objects.get(variant=variant).on_hand == 5


def test_a_sale_cannot_be_keyed_in_by_hand(stocked_variant, warehouse):
    variant = stocked_variant(5)

    with pytest.raises(InvalidQuantity) as excinfo:
        inventory_services.adjust_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, delta=-1, reason="sale"
        )

    assert excinfo.value.code == "invalid_reason"


def test_stock_of_an_unknown_variant_or_warehouse_is_refused(warehouse):
    variant = VariantFactory()

    with pytest.raises(UnknownStockItem):
        inventory_services.receive_stock(variant_id=10**9, warehouse_id=warehouse.id, quantity=1)
    with pytest.raises(UnknownStockItem):
        inventory_services.receive_stock(variant_id=variant.id, warehouse_id=10**9, quantity=1)

    assert not StockLevel.objects.exists()


def test_on_hand_never_overflows_its_column(stocked_variant, warehouse):
    variant = stocked_variant(5)
    StockLevel.objects.filter(variant=variant).update(on_hand=MAX_STOCK_LEVEL - 2)

    with pytest.raises(InvalidQuantity):
        inventory_services.receive_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, quantity=3
        )


@pytest.mark.parametrize(
    "counters", [{"reserved": -1}, {"on_hand": 2, "reserved": 3}, {"on_hand": -1, "reserved": 0}]
)
def test_the_database_refuses_counters_outside_zero_reserved_on_hand(stocked_variant, counters):
    variant = stocked_variant(2)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(variant=variant).update(**counters)
