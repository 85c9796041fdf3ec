import pytest

from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory


@pytest.fixture
def customer():
    return UserFactory(first_name="Ada", last_name="Lovelace")


@pytest.fixture
def product():
    return ProductFactory()
