import pytest

from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, stock


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(name="Main", priority=10)


@pytest.fixture
def second_warehouse(db):
    return WarehouseFactory(name="Overflow", priority=20)


@pytest.fixture
def stocked_variant(warehouse):
    """Make a variant with ``quantity`` units in the main warehouse."""

    def make(quantity: int = 10, **variant_fields):
        variant = VariantFactory(**variant_fields)
        if quantity:
            stock(variant, warehouse, quantity)
        return variant

    return make
