"""A store with several enabled payment methods: the shopper chooses one on the payment page
(or an API client with ``payment_method``); a method the store has not enabled is refused."""

from decimal import Decimal

import pytest

from apps.orders.models import Order
from apps.payments import services
from apps.payments.exceptions import PaymentMethodNotEnabled
from apps.payments.gateways.registry import enabled_gateway_names
from apps.payments.models import Payment
from tests.factories.payments import create_reserved_order
from tests.payments.conftest import enable_gateways as enable
from tests.payments.test_paypal import return_path

CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "name": "Ada Shopper"}


def open_page(order: Order) -> Payment:
    start = services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")
    return Payment.objects.get(pk=start.payment_id)


@pytest.mark.django_db
def test_the_page_offers_each_enabled_method_and_defaults_to_the_first(
    store_client, test_and_paypal
):
    order = create_reserved_order()

    payment = open_page(order)
    page = store_client.get(f"/payments/{payment.token}/").content.decode()

    assert enabled_gateway_names() == ["test", "paypal"]
    assert payment.gateway == "test"
    assert 'id="payment-methods"' in page
    assert 'name="gateway" value="test" checked' in page
    assert 'name="gateway" value="paypal"' in page
    assert "PayPal" in page


@pytest.mark.django_db
def test_one_enabled_method_shows_no_choice(store_client):
    payment = open_page(create_reserved_order())

    page = store_client.get(f"/payments/{payment.token}/").content.decode()

    assert 'id="payment-methods"' not in page
    assert "Pay for your order" in page


@pytest.mark.django_db
def test_paying_with_the_default_test_gateway_records_it(store_client, test_and_paypal):
    order = create_reserved_order()
    payment = open_page(order)

    response = store_client.post(f"/payments/{payment.token}/", CARD)

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.status == Order.Status.PAID
    assert list(order.payments.filter(applied_to_order=True).values_list("gateway", flat=True)) == [
        "test"
    ]
    assert test_and_paypal.posts("/v2/checkout/orders") == []  # PayPal never asked


@pytest.mark.django_db
def test_choosing_paypal_pays_with_paypal_and_the_order_is_paid_once(store_client, test_and_paypal):
    order = create_reserved_order(quantity=2, unit_price=Decimal("15.00"))
    test_payment = open_page(order)

    response = store_client.post(f"/payments/{test_payment.token}/method/", {"gateway": "paypal"})

    paypal_payment = order.payments.get(gateway="paypal")
    assert response.status_code == 302
    assert response["Location"] == f"/payments/{paypal_payment.token}/"
    assert (paypal_payment.amount, paypal_payment.mode) == (Decimal("30.00"), "test")
    page = store_client.get(response["Location"]).content.decode()
    assert 'name="gateway" value="paypal" checked' in page
    test_and_paypal.approve(paypal_payment.external_id)
    store_client.get(return_path(paypal_payment))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # The superseded test payment can no longer take money for this order.
    again = store_client.post(f"/payments/{test_payment.token}/", CARD)
    test_payment.refresh_from_db()
    assert again.status_code == 302
    assert test_payment.status == Payment.Status.PENDING
    assert [p.gateway for p in order.payments.filter(applied_to_order=True)] == ["paypal"]


@pytest.mark.django_db
def test_switching_back_continues_the_open_payment_of_that_method(store_client, test_and_paypal):
    order = create_reserved_order()
    test_payment = open_page(order)

    store_client.post(f"/payments/{test_payment.token}/method/", {"gateway": "paypal"})
    response = store_client.post(f"/payments/{test_payment.token}/method/", {"gateway": "test"})

    assert response["Location"] == f"/payments/{test_payment.token}/"
    assert order.payments.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("crafted", ["stripe", "bitcoin"])
def test_a_method_the_store_has_not_enabled_is_refused(store_client, test_and_paypal, crafted):
    order = create_reserved_order()
    payment = open_page(order)

    response = store_client.post(f"/payments/{payment.token}/method/", {"gateway": crafted})

    assert response.status_code == 400
    assert list(order.payments.values_list("gateway", flat=True)) == ["test"]
    with pytest.raises(PaymentMethodNotEnabled):
        services.start_payment(
            order_id=order.id, return_url=f"/orders/{order.token}/", gateway_name=crafted
        )


@pytest.mark.django_db
def test_disabling_a_method_closes_its_open_payment_page(store_client, test_and_paypal):
    order = create_reserved_order()
    test_payment = open_page(order)
    store_client.post(f"/payments/{test_payment.token}/method/", {"gateway": "paypal"})
    paypal_payment = order.payments.get(gateway="paypal")
    enable("test")

    response = store_client.get(f"/payments/{paypal_payment.token}/")

    assert response.status_code == 302  # on to a payment with an enabled method
    assert response["Location"] == f"/payments/{test_payment.token}/"


@pytest.mark.django_db
def test_a_provider_out_of_reach_leaves_the_shopper_on_the_page(
    store_client, test_and_paypal, settings
):
    settings.PAYPAL_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    order = create_reserved_order()
    test_payment = open_page(order)

    response = store_client.post(f"/payments/{test_payment.token}/method/", {"gateway": "paypal"})
    paid = store_client.post(response["Location"], CARD)

    order.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/{test_payment.token}/"
    assert paid.status_code == 302
    assert order.status == Order.Status.PAID
    assert [p.gateway for p in order.payments.filter(applied_to_order=True)] == ["test"]
