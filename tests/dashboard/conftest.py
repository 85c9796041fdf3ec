import pytest
from django.contrib.auth import get_user_model

from apps.accounts import services as account_services
from tests.conftest import STORE_SPEC

STAFF_PASSWORD = "Staff-pass-2026!"


@pytest.fixture
def owner():
    return get_user_model().objects.get(email=STORE_SPEC["owner_email"])


@pytest.fixture
def owner_client(store_client, owner):
    store_client.force_login(owner)
    return store_client


@pytest.fixture
def staff_user():
    return account_services.invite_staff(
        email="clerk@teststore.test", role="staff", password=STAFF_PASSWORD, first_name="Cleo"
    )


@pytest.fixture
def staff_client(store_client, staff_user):
    store_client.force_login(staff_user)
    return store_client
