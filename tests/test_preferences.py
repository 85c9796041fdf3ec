import pytest

from apps.preferences.models import StoreSettings
from apps.preferences.selectors import get_store_settings


@pytest.mark.django_db
def test_store_settings_are_created_with_defaults_once():
    first = get_store_settings()
    second = get_store_settings()

    assert first.pk == second.pk == StoreSettings.SINGLETON_PK
    assert first.reservation_minutes == 15
    assert first.payment_gateway == StoreSettings.DEFAULT_PAYMENT_GATEWAY == "test"
    assert StoreSettings.objects.count() == 1
