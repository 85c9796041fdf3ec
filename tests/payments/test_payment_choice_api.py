"""The API's ``payment_method`` on order placement picks among the store's enabled gateways."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.orders.models import Order
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant


@pytest.fixture
def anonymous_api(store) -> APIClient:
    return APIClient(HTTP_HOST=store.primary_host)


def order_body(**extra) -> dict:
    variant = stocked_variant(price="10.00", stock=5)
    return {
        "items": [{"variant_id": variant.id, "quantity": 1}],
        "email": "buyer@example.test",
        "shipping_address": ADDRESS,
        "shipping_method": ShippingMethodFactory(price=Decimal("5.00")).id,
        **extra,
    }


@pytest.mark.django_db
def test_api_payment_method_picks_an_enabled_gateway(anonymous_api, test_and_paypal):
    response = anonymous_api.post(
        "/api/v1/orders", order_body(payment_method="paypal"), format="json"
    )

    body = response.json()
    assert response.status_code == 201, body
    payment = Order.objects.get(token=body["order_id"]).payments.get()
    assert payment.gateway == "paypal"
    assert body["payment"]["approval_url"] == payment.approval_url


@pytest.mark.django_db
def test_api_without_payment_method_takes_the_default(anonymous_api, test_and_paypal):
    response = anonymous_api.post("/api/v1/orders", order_body(), format="json")

    assert response.status_code == 201
    assert Order.objects.get().payments.get().gateway == "test"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "status", "code"),
    [("stripe", 422, "payment_method_not_enabled"), ("bitcoin", 400, "invalid")],
)
def test_api_refuses_a_method_the_store_has_not_enabled(
    anonymous_api, test_and_paypal, method, status, code
):
    response = anonymous_api.post(
        "/api/v1/orders", order_body(payment_method=method), format="json"
    )

    assert response.status_code == status  # a gateway the store does not take: 422
    assert response.json()["error"]["code"] == code
    assert not Order.objects.exists()  # refused before the order is placed
