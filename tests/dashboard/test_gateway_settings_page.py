"""The store settings page reads the payment gateway registry: one section per gateway with
settings, built from the fields the gateway declares; secrets write-only."""

import pytest

from apps.payments.gateways import registry
from apps.payments.selectors import get_gateway_config
from apps.preferences.selectors import get_store_settings
from tests.dashboard.test_roles_and_settings import _settings_form


@pytest.mark.django_db
def test_settings_page_has_one_section_per_gateway_from_its_declared_fields(owner_client):
    page = owner_client.get("/admin/store-settings/").content.decode()

    for gateway in registry.GATEWAYS.values():
        assert f'<option value="{gateway.name}"' in page
        if gateway.settings_fields:
            assert f"<h2>{gateway.label}</h2>" in page
        for setting in gateway.settings_fields:
            assert f'name="{gateway.name}_{setting.key}"' in page
            assert (f'name="clear_{gateway.name}_{setting.key}"' in page) == setting.secret
    assert "currently not set" in page


@pytest.mark.django_db
def test_a_key_of_the_wrong_kind_is_refused_and_not_echoed(owner_client):
    response = owner_client.post(
        "/admin/store-settings/", _settings_form(stripe_secret_key="pk_live_WRONGPLACE")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Secret key starts with" in page
    assert "WRONGPLACE" not in page
    assert get_gateway_config("stripe").secrets == {}


@pytest.mark.django_db
def test_selecting_stripe_saves_the_gateway_and_its_keys_together(owner_client):
    response = owner_client.post(
        "/admin/store-settings/",
        _settings_form(payment_gateway="stripe", stripe_secret_key="sk_test_CHOSEN"),
    )

    config = get_gateway_config("stripe")
    assert response.status_code == 302
    assert get_store_settings().payment_gateway == "stripe"
    assert config.values == {"publishable_key": "pk_test_visible"}
    assert config.secrets == {"secret_key": "sk_test_CHOSEN"}


@pytest.mark.django_db
def test_selecting_stripe_without_its_keys_is_refused(owner_client):
    response = owner_client.post("/admin/store-settings/", _settings_form(payment_gateway="stripe"))

    assert response.status_code == 200
    assert "The Stripe gateway needs a secret key." in response.content.decode()
    assert get_store_settings().payment_gateway == "test"


@pytest.mark.django_db
def test_gateway_settings_have_no_generic_admin_page(owner_client):
    assert owner_client.get("/admin/payments/gatewaysettings/").status_code == 404
