"""Test money never moves in production: test mode (the test gateway, Stripe test keys) only
where the platform allows it (ALLOW_TEST_PAYMENTS), Stripe keys as a pair of one mode, live keys
only where the platform takes real payments (ALLOW_LIVE_PAYMENTS), a payment bound to the
gateway it was opened with, and a visible test-mode banner."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from apps.orders.models import Order
from apps.payments import services
from apps.payments.exceptions import PaymentGatewayChanged, TestPaymentsNotAllowed
from apps.payments.gateways import registry
from apps.payments.models import Payment
from apps.payments.selectors import get_gateway_config
from apps.preferences.selectors import get_store_settings
from tests.factories.payments import create_reserved_order
from tests.payments.conftest import configure_stripe

BANNER = "Test mode — no real payments"


def card(number: str = "4242 4242 4242 4242") -> dict:
    return {"number": number, "expiry": "12/39", "cvc": "123", "name": "Ada Shopper"}


def start(order: Order):
    return services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")


def use_gateway(name: str) -> None:
    store_settings = get_store_settings()
    store_settings.payment_gateway = name
    store_settings.save()


@pytest.fixture
def production(settings):
    """The platform as it runs in production: no test payments, live keys accepted."""
    settings.ALLOW_TEST_PAYMENTS = False
    settings.ALLOW_LIVE_PAYMENTS = True
    return settings


# --- the settings' defaults ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "allow_test", "allow_live"),
    [
        ({"DEBUG": "1", "PLATFORM_DOMAIN": "shop.example"}, True, False),
        ({"DEBUG": "0", "PLATFORM_DOMAIN": "localhost"}, True, False),  # `make run`, the demo
        ({"DEBUG": "0", "PLATFORM_DOMAIN": "shop.example"}, False, True),  # production
        (
            {"DEBUG": "0", "PLATFORM_DOMAIN": "shop.example", "ALLOW_TEST_PAYMENTS": "1"},
            True,
            True,
        ),
    ],
)
def test_defaults_allow_test_payments_only_in_development(environment, allow_test, allow_live):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "PLATFORM_DOMAIN", "ALLOW_TEST_PAYMENTS", "ALLOW_LIVE_PAYMENTS"}
    }
    code = "from config import settings as s; print(s.ALLOW_TEST_PAYMENTS, s.ALLOW_LIVE_PAYMENTS)"
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=env | environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    ).stdout.split()

    assert output == [str(allow_test), str(allow_live)]


def test_the_test_suite_runs_with_test_payments_allowed():
    assert django_settings.ALLOW_TEST_PAYMENTS is True
    assert django_settings.ALLOW_LIVE_PAYMENTS is False


# --- the test gateway in production -------------------------------------------------------


@pytest.mark.django_db
def test_opening_a_test_payment_in_production_is_refused(production):
    order = create_reserved_order()

    with pytest.raises(TestPaymentsNotAllowed) as refused:
        start(order)

    assert refused.value.http_status == 402
    assert refused.value.code == "test_payments_not_allowed"
    assert not Payment.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and order.paid_at is None


@pytest.mark.django_db
def test_a_test_payment_opened_before_cannot_be_completed_in_production(settings, store_client):
    order = create_reserved_order()
    payment_start = start(order)  # test payments still allowed
    settings.ALLOW_TEST_PAYMENTS = False

    page = store_client.get(payment_start.redirect_url)
    posted = store_client.post(payment_start.redirect_url, card())
    with pytest.raises(TestPaymentsNotAllowed):
        services.complete_test_payment(
            payment_id=payment_start.payment_id, card_number="4242424242424242"
        )

    order.refresh_from_db()
    payment = Payment.objects.get(pk=payment_start.payment_id)
    assert page.status_code == 402 and posted.status_code == 402
    assert "this platform takes no test payments" in posted.content.decode()
    assert 'name="number"' not in posted.content.decode()  # no card form
    assert order.paid_at is None and order.status == Order.Status.PENDING
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db
def test_stripe_test_keys_are_test_mode_and_refused_in_production(stripe_store, production):
    order = create_reserved_order()

    with pytest.raises(TestPaymentsNotAllowed):
        start(order)

    assert stripe_store.requests == []  # Stripe was never asked
    assert not Payment.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_checkout_in_production_with_the_test_gateway_shows_a_message_not_a_500(
    production, store_client
):
    from tests.factories.checkout import ShippingMethodFactory
    from tests.shopping import ADDRESS, stocked_variant

    method = ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    start_page = store_client.post("/checkout/")
    page_url = start_page["Location"]

    response = store_client.post(
        page_url,
        {"email": "guest@example.test", **ADDRESS, "method": method.id, "action": "pay"},
    )

    assert response.status_code == 200
    assert "this platform takes no test payments" in response.content.decode()
    assert not Order.objects.exists()  # the order's transaction rolled back
    assert not Payment.objects.exists()


# --- Stripe keys as a pair ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("publishable", "secret"),
    [("pk_test_1", "sk_live_1"), ("pk_live_1", "sk_test_1"), ("pk_test_1", "rk_live_1")],
)
def test_stripe_keys_of_different_modes_are_refused(production, publishable, secret):
    with pytest.raises(ValidationError) as refused:
        services.update_gateway_settings(
            gateway_name="stripe",
            values={"publishable_key": publishable},
            secrets={"secret_key": secret},
        )

    assert "same mode" in refused.value.message_dict["secret_key"][0]
    assert get_gateway_config("stripe").secrets == {}


@pytest.mark.django_db
def test_a_new_publishable_key_is_checked_against_the_stored_secret_key(production):
    services.update_gateway_settings(
        gateway_name="stripe",
        values={"publishable_key": "pk_live_1"},
        secrets={"secret_key": "sk_live_1"},
    )

    with pytest.raises(ValidationError):
        services.update_gateway_settings(
            gateway_name="stripe", values={"publishable_key": "pk_test_2"}, secrets={}
        )

    assert get_gateway_config("stripe").values == {"publishable_key": "pk_live_1"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("publishable", "secret"),
    [("pk_test_1", "sk_test_1"), ("pk_test_1", "rk_test_1"), ("pk_live_1", "sk_live_1"),
     ("pk_live_1", "rk_live_1")],
)  # fmt: skip
def test_stripe_keys_of_one_mode_are_saved(production, publishable, secret):
    services.update_gateway_settings(
        gateway_name="stripe",
        values={"publishable_key": publishable},
        secrets={"secret_key": secret},
    )

    config = get_gateway_config("stripe")
    assert (config.get("publishable_key"), config.get("secret_key")) == (publishable, secret)
    assert registry.in_test_mode("stripe") == publishable.startswith("pk_test_")


@pytest.mark.django_db
def test_live_keys_are_refused_where_the_platform_takes_no_real_payments(settings):
    settings.ALLOW_LIVE_PAYMENTS = False

    with pytest.raises(ValidationError) as refused:
        services.update_gateway_settings(
            gateway_name="stripe",
            values={"publishable_key": "pk_live_1"},
            secrets={"secret_key": "sk_live_1"},
        )

    assert "Live keys are not accepted" in refused.value.message_dict["publishable_key"][0]
    assert get_gateway_config("stripe").values == {}


# --- a payment is bound to the gateway it was opened with ---------------------------------


@pytest.mark.django_db
def test_a_test_payment_cannot_be_paid_after_the_store_switches_to_stripe(
    stripe_store, store_client
):
    use_gateway("test")
    order = create_reserved_order()
    old = start(order)
    configure_stripe()  # the store now takes payments with Stripe

    with pytest.raises(PaymentGatewayChanged):
        services.complete_test_payment(payment_id=old.payment_id, card_number="4242424242424242")
    posted = store_client.post(old.redirect_url, card())

    order.refresh_from_db()
    assert order.paid_at is None and order.status == Order.Status.PENDING
    assert Payment.objects.get(pk=old.payment_id).status == Payment.Status.PENDING
    # The old page sends the shopper on to a new payment with the store's gateway.
    new = Payment.objects.filter(order=order).exclude(pk=old.payment_id).get()
    assert new.gateway == "stripe"
    assert posted.status_code == 302 and posted["Location"] == f"/payments/{new.token}/"


@pytest.mark.django_db
def test_the_old_payment_page_of_a_switched_store_opens_a_payment_at_the_new_gateway(
    stripe_store, store_client
):
    use_gateway("test")
    order = create_reserved_order()
    old = start(order)
    configure_stripe()

    response = store_client.get(old.redirect_url)
    new_page = store_client.get(response["Location"])

    new = Payment.objects.get(order=order, gateway="stripe")
    assert response.status_code == 302 and response["Location"] == f"/payments/{new.token}/"
    assert new_page.status_code == 200 and "pk_test_teststore" in new_page.content.decode()


# --- the banner -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_store_in_test_mode_shows_the_banner_on_its_pages_and_payment_page(store_client):
    order = create_reserved_order()
    payment_start = start(order)

    home = store_client.get("/").content.decode()
    payment_page = store_client.get(payment_start.redirect_url).content.decode()

    assert BANNER in home and BANNER in payment_page


@pytest.mark.django_db
def test_a_store_with_live_stripe_keys_shows_no_banner(production, store_client):
    services.update_gateway_settings(
        gateway_name="stripe",
        values={"publishable_key": "pk_live_shop"},
        secrets={"secret_key": "sk_live_shop"},
    )
    use_gateway("stripe")

    assert BANNER not in store_client.get("/").content.decode()


@pytest.mark.django_db
def test_a_store_with_stripe_test_keys_shows_the_banner(stripe_store, store_client):
    assert BANNER in store_client.get("/").content.decode()


@pytest.mark.django_db
def test_a_payment_records_the_mode_it_was_opened_in(stripe_store):
    use_gateway("test")
    test_payment = Payment.objects.get(pk=start(create_reserved_order()).payment_id)
    configure_stripe()
    stripe_payment = Payment.objects.get(pk=start(create_reserved_order()).payment_id)

    assert (test_payment.gateway, test_payment.mode) == ("test", "test")
    assert (stripe_payment.gateway, stripe_payment.mode) == ("stripe", "test")


@pytest.mark.django_db
def test_a_payment_opened_with_stripe_test_keys_is_void_after_the_switch_to_live_keys(
    stripe_store, production, store_client
):
    production.ALLOW_TEST_PAYMENTS = True  # the store tried Stripe in test mode first
    order = create_reserved_order()
    old = Payment.objects.get(pk=start(order).payment_id)
    services.update_gateway_settings(
        gateway_name="stripe",
        values={"publishable_key": "pk_live_shop"},
        secrets={"secret_key": "sk_live_shop"},
    )

    with pytest.raises(PaymentGatewayChanged):
        services.check_payment_usable(old)
    response = store_client.get(f"/payments/{old.token}/")

    new = Payment.objects.get(order=order, mode="live")
    assert response.status_code == 302 and response["Location"] == f"/payments/{new.token}/"
    assert new.pk != old.pk and new.gateway == "stripe"
    # The new intent was opened with the live key, the old one with the test key.
    keys = [request.api_key for request in stripe_store.posts("/v1/payment_intents")]
    assert keys == ["sk_test_teststore", "sk_live_shop"]
