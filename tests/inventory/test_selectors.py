import pytest

from apps.inventory import selectors
from apps.inventory import services as inventory_services
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import expire_reservations, stock

pytestmark = pytest.mark.django_db


def test_availability_sums_active_warehouses_and_ignores_expired_holds(warehouse, second_warehouse):
    variant, unstocked = VariantFactory(), VariantFactory()
    stock(variant, warehouse, 4)
    stock(variant, second_warehouse, 6)
    inventory_services.reserve(reference="checkout:live", lines=[(variant.id, 2)])
    inventory_services.reserve(reference="checkout:gone", lines=[(variant.id, 3)])
    expire_reservations("checkout:gone")

    available = selectors.get_available_by_variant([variant.id, unstocked.id])

    assert available == {variant.id: 8}


def test_availability_leaves_out_inactive_warehouses(warehouse, second_warehouse):
    variant = VariantFactory()
    stock(variant, warehouse, 4)
    stock(variant, second_warehouse, 6)
    second_warehouse.active = False
    second_warehouse.save()

    assert selectors.get_available_by_variant(v for v in [variant.id]) == {variant.id: 4}


def test_availability_of_no_variants_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.get_available_by_variant([]) == {}


def test_availability_of_many_variants_is_one_query(stocked_variant, django_assert_num_queries):
    variants = [stocked_variant(3) for _ in range(5)]

    with django_assert_num_queries(1):
        available = selectors.get_available_by_variant(v.id for v in variants)

    assert set(available.values()) == {3}
