"""The store settings page reads the payment gateway registry: one section per gateway with
settings, built from the fields the gateway declares; secrets write-only."""

import re

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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("publishable", "secret"),
    [("pk_test_visible", "sk_live_MIXED"), ("pk_live_x", "sk_test_MIXED")],
)
def test_stripe_keys_of_different_modes_are_a_form_error(
    settings, owner_client, publishable, secret
):
    settings.ALLOW_LIVE_PAYMENTS = True
    response = owner_client.post(
        "/admin/store-settings/",
        _settings_form(stripe_publishable_key=publishable, stripe_secret_key=secret),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "use both keys of the same mode" in page
    assert "MIXED" not in page
    assert get_gateway_config("stripe").secrets == {}


@pytest.mark.django_db
def test_live_keys_are_a_form_error_where_the_platform_takes_no_real_payments(owner_client):
    response = owner_client.post(
        "/admin/store-settings/",
        _settings_form(stripe_publishable_key="pk_live_x", stripe_secret_key="sk_live_x"),
    )

    assert response.status_code == 200
    assert "Live keys are not accepted on this platform" in response.content.decode()
    assert get_gateway_config("stripe").values == {}


@pytest.mark.django_db
def test_choosing_the_test_gateway_in_production_is_a_form_error(settings, owner_client):
    settings.ALLOW_TEST_PAYMENTS = False
    settings.ALLOW_LIVE_PAYMENTS = True
    store_settings = get_store_settings()
    store_settings.payment_gateway = "stripe"
    store_settings.save()

    response = owner_client.post("/admin/store-settings/", _settings_form(payment_gateway="test"))

    assert response.status_code == 200
    assert "this platform takes no test payments" in response.content.decode()
    assert get_store_settings().payment_gateway == "stripe"


@pytest.mark.django_db
def test_choosing_stripe_with_test_keys_in_production_is_a_form_error(settings, owner_client):
    settings.ALLOW_TEST_PAYMENTS = False
    response = owner_client.post(
        "/admin/store-settings/",
        _settings_form(payment_gateway="stripe", stripe_secret_key="sk_test_CHOSEN"),
    )

    assert response.status_code == 200
    assert "Stripe is in test mode" in response.content.decode()
    assert get_store_settings().payment_gateway == "test"


@pytest.mark.django_db
def test_choosing_stripe_with_live_keys_in_production_is_saved(settings, owner_client):
    settings.ALLOW_TEST_PAYMENTS = False
    settings.ALLOW_LIVE_PAYMENTS = True
    response = owner_client.post(
        "/admin/store-settings/",
        _settings_form(
            payment_gateway="stripe",
            stripe_publishable_key="pk_live_x",
            stripe_secret_key="sk_live_x",
        ),
    )

    assert response.status_code == 302
    assert get_store_settings().payment_gateway == "stripe"
    assert get_gateway_config("stripe").secrets == {"secret_key": "sk_live_x"}


@pytest.mark.django_db
def test_update_store_settings_refuses_the_test_gateway_in_production(settings, store, owner):
    from django.core.exceptions import ValidationError

    from apps.dashboard import services as dashboard_services

    settings.ALLOW_TEST_PAYMENTS = False
    with pytest.raises(ValidationError) as refused:
        dashboard_services.update_store_settings(
            store_id=store.id,
            profile={
                "name": "Shop", "currency": "USD", "country": "US", "timezone": "UTC",
                "prices_include_tax": False,
            },
            preferences={"payment_gateway": "test"},
        )  # fmt: skip

    assert "no test payments" in refused.value.message_dict["payment_gateway"][0]


@pytest.mark.django_db
def test_selecting_paypal_saves_its_environment_and_keeps_the_secret_write_only(
    owner_client, settings
):
    settings.ALLOW_LIVE_PAYMENTS = False
    paypal = {
        "payment_gateway": "paypal", "paypal_mode": "sandbox", "paypal_client_id": "AeClient",
        "paypal_client_secret": "EPayPalSecret", "paypal_webhook_id": "8PT597110X687430L",
    }  # fmt: skip

    saved = owner_client.post("/admin/store-settings/", _settings_form(**paypal))
    page = owner_client.get("/admin/store-settings/").content.decode()
    live = owner_client.post(
        "/admin/store-settings/", _settings_form(**{**paypal, "paypal_mode": "live"})
    )

    config = get_gateway_config("paypal")
    assert saved.status_code == 302
    assert get_store_settings().payment_gateway == "paypal"
    assert config.values == {
        "mode": "sandbox", "client_id": "AeClient", "webhook_id": "8PT597110X687430L",
    }  # fmt: skip
    assert config.secrets == {"client_secret": "EPayPalSecret"}
    assert '<select name="paypal_mode"' in page and "EPayPalSecret" not in page
    assert live.status_code == 200
    assert "Live PayPal is not accepted on this platform" in live.content.decode()


@pytest.mark.django_db
def test_the_owner_enables_several_methods_the_default_first(owner_client):
    paypal = {
        "paypal_mode": "sandbox", "paypal_client_id": "AeClient",
        "paypal_client_secret": "EPayPalSecret", "paypal_webhook_id": "8PT597110X687430L",
    }  # fmt: skip

    saved = owner_client.post(
        "/admin/store-settings/",
        _settings_form(payment_gateway="paypal", other_payment_gateways=["test"], **paypal),
    )
    page = owner_client.get("/admin/store-settings/").content.decode()

    assert saved.status_code == 302
    assert get_store_settings().payment_gateway == "paypal,test"
    assert registry.enabled_gateway_names() == ["paypal", "test"]
    assert re.search(r'name="other_payment_gateways" value="test"[^>]* checked', page)
    assert not re.search(r'name="other_payment_gateways" value="stripe"[^>]* checked', page)


@pytest.mark.django_db
def test_a_method_is_enabled_only_with_its_settings(owner_client):
    response = owner_client.post(
        "/admin/store-settings/", _settings_form(other_payment_gateways=["stripe"])
    )

    assert response.status_code == 200
    assert "The Stripe gateway needs" in response.content.decode()
    assert registry.enabled_gateway_names() == ["test"]
