"""The gateway registry and the per-store gateway settings every gateway declares."""

import importlib
import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.template.loader import get_template

from apps.payments import services
from apps.payments.exceptions import GatewayNotConfigured
from apps.payments.gateways import registry
from apps.payments.gateways.base import PaymentGateway
from apps.payments.models import GatewaySettings
from apps.payments.selectors import get_gateway_config

gateway_settings_migration = importlib.import_module(
    "apps.payments.migrations.0002_gateway_settings"
)


# --- the registry -----------------------------------------------------------------------------
def test_registry_lists_the_test_stripe_and_paypal_gateways_by_name():
    assert registry.gateway_names() == ["test", "stripe", "paypal"]
    assert registry.get_gateway("stripe").label == "Stripe"
    assert registry.get_gateway("paypal").label == "PayPal"
    with pytest.raises(GatewayNotConfigured):
        registry.get_gateway("bitcoin")


@pytest.mark.parametrize("gateway", registry.GATEWAYS.values(), ids=registry.gateway_names())
def test_every_gateway_declares_a_label_a_page_template_and_distinct_settings(gateway):
    keys = [setting.key for setting in gateway.settings_fields]

    assert isinstance(gateway, PaymentGateway)
    assert gateway.name and gateway.label
    assert get_template(gateway.page_template) is not None
    assert len(keys) == len(set(keys))


# --- storing a gateway's settings -------------------------------------------------------------
@pytest.mark.django_db
def test_settings_are_stored_per_gateway_and_a_secret_absent_from_an_update_is_kept():
    services.update_gateway_settings(
        gateway_name="stripe",
        values={"publishable_key": "pk_test_1"},
        secrets={"secret_key": "sk_test_1", "webhook_secret": "whsec_1"},
    )

    services.update_gateway_settings(
        gateway_name="stripe", values={"publishable_key": "pk_test_2"}, secrets={}
    )
    kept = get_gateway_config("stripe")
    services.update_gateway_settings(
        gateway_name="stripe", values={}, secrets={"webhook_secret": ""}
    )
    removed = get_gateway_config("stripe")

    assert kept.values == {"publishable_key": "pk_test_2"}
    assert kept.secrets == {"secret_key": "sk_test_1", "webhook_secret": "whsec_1"}
    assert removed.secrets == {"secret_key": "sk_test_1"}
    assert GatewaySettings.objects.get().gateway == "stripe"
    assert get_gateway_config("test").values == {} and get_gateway_config("test").secrets == {}


@pytest.mark.django_db
def test_undeclared_or_malformed_settings_are_refused_without_echoing_the_value():
    with pytest.raises(ValidationError) as malformed:
        services.update_gateway_settings(
            gateway_name="stripe", values={}, secrets={"secret_key": "pk_live_WRONGKIND"}
        )
    with pytest.raises(ValidationError) as undeclared:
        services.update_gateway_settings(
            gateway_name="stripe", values={"secret_key": "sk_test_shown"}, secrets={}
        )

    assert "starts with" in str(malformed.value.message_dict["secret_key"])
    assert "WRONGKIND" not in str(malformed.value)
    assert "secret_key" in undeclared.value.message_dict
    assert not GatewaySettings.objects.exists()


@pytest.mark.django_db
def test_secret_values_are_not_logged(caplog):
    caplog.set_level(logging.DEBUG)

    services.update_gateway_settings(
        gateway_name="stripe", values={}, secrets={"secret_key": "sk_test_NEVERLOGGED"}
    )

    assert "NEVERLOGGED" not in caplog.text
    assert "secret_key" in caplog.text


# --- the data migration ----------------------------------------------------------------------
@pytest.mark.django_db
def test_migration_moves_the_stripe_columns_into_gateway_settings_and_back():
    # The state in which payments 0002 runs: StoreSettings still has its Stripe columns.
    state = MigrationLoader(connection).project_state(("payments", "0002_gateway_settings"))
    with connection.cursor() as cursor:  # the columns, back for this test's transaction only
        cursor.execute(
            "ALTER TABLE preferences_storesettings"
            " ADD COLUMN stripe_publishable_key varchar(255) NOT NULL DEFAULT '',"
            " ADD COLUMN stripe_secret_key varchar(255) NOT NULL DEFAULT '',"
            " ADD COLUMN stripe_webhook_secret varchar(255) NOT NULL DEFAULT ''"
        )
    OldStoreSettings = state.apps.get_model("preferences", "StoreSettings")
    OldStoreSettings.objects.update_or_create(
        pk=1,
        defaults={"stripe_publishable_key": "pk_test_old", "stripe_secret_key": "sk_test_old",
                  "stripe_webhook_secret": ""},
    )  # fmt: skip

    gateway_settings_migration.copy_stripe_keys(state.apps, None)
    moved = GatewaySettings.objects.get(gateway="stripe")
    OldStoreSettings.objects.update(stripe_publishable_key="", stripe_secret_key="")
    gateway_settings_migration.copy_stripe_keys_back(state.apps, None)
    back = OldStoreSettings.objects.get()

    assert moved.values == {"publishable_key": "pk_test_old"}
    assert moved.secrets == {"secret_key": "sk_test_old"}
    assert (back.stripe_publishable_key, back.stripe_secret_key, back.stripe_webhook_secret) == (
        "pk_test_old", "sk_test_old", "")  # fmt: skip
