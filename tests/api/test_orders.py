from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.orders import services as order_services
from apps.orders.models import Order
from tests.factories.accounts import UserFactory
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, pay_with_test_card, stocked_variant


def _order_body(variant, method, **extra) -> dict:
    return {
        "items": [{"variant_id": variant.id, "quantity": 2}],
        "email": "buyer@example.test",
        "shipping_address": ADDRESS,
        "shipping_method": method.id,
        **extra,
    }


@pytest.mark.django_db
def test_create_order_from_items_returns_number_status_and_payment_action(anonymous_api):
    variant = stocked_variant(price="10.00", stock=5)
    method = ShippingMethodFactory(price=Decimal("5.00"))

    response = anonymous_api.post("/api/v1/orders", _order_body(variant, method), format="json")

    body = response.json()
    assert response.status_code == 201, body
    assert body["status"] == "pending" and body["total"] == "25.00"
    assert body["number"] >= 1001
    assert body["payment"]["type"] in {"redirect", "client_secret"}


@pytest.mark.django_db
def test_create_order_from_a_cart(anonymous_api):
    variant = stocked_variant(stock=5)
    method = ShippingMethodFactory()
    cart_id = anonymous_api.post("/api/v1/carts").json()["cart_id"]
    anonymous_api.post(
        f"/api/v1/carts/{cart_id}/items", {"variant_id": variant.id, "quantity": 1}, format="json"
    )
    body = _order_body(variant, method)
    del body["items"]

    response = anonymous_api.post("/api/v1/orders", {**body, "cart_id": cart_id}, format="json")

    assert response.status_code == 201
    assert Order.objects.get().lines.get().quantity == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"email": "nope"}, 400, "invalid"),
        ({"shipping_address": {**ADDRESS, "country": "QQ"}}, 400, "invalid"),
        ({"shipping_address": {**ADDRESS, "country": " U"}}, 400, "invalid"),  # never trimmed
        ({"shipping_method": 987654}, 400, "shipping_unavailable"),
        ({"voucher": "NOSUCHCODE"}, 400, "invalid_voucher"),
        ({"items": [{"variant_id": 1, "quantity": 0}]}, 400, "invalid"),
        ({"cart_id": "00000000-0000-0000-0000-000000000000"}, 400, "invalid"),
    ],
)
def test_create_order_errors_are_json_with_codes(anonymous_api, change, status, code):
    variant = stocked_variant(stock=5)
    method = ShippingMethodFactory()

    response = anonymous_api.post(
        "/api/v1/orders", {**_order_body(variant, method), **change}, format="json"
    )

    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_lower_case_country_is_accepted_and_stored_upper_case(anonymous_api):
    variant = stocked_variant(stock=5)
    body = _order_body(variant, ShippingMethodFactory())
    body["shipping_address"] = {**body["shipping_address"], "country": "us"}

    response = anonymous_api.post("/api/v1/orders", body, format="json")

    assert response.status_code == 201, response.json()
    assert Order.objects.get().shipping_address["country"] == "US"


@pytest.mark.django_db
def test_sold_out_order_is_409(anonymous_api):
    variant = stocked_variant(stock=1)

    response = anonymous_api.post(
        "/api/v1/orders", _order_body(variant, ShippingMethodFactory()), format="json"
    )

    assert response.status_code == 409


@pytest.mark.django_db
def test_integrator_lists_filters_and_reads_orders(api, anonymous_api):
    variant = stocked_variant(stock=10)
    method = ShippingMethodFactory()
    for _ in range(3):
        anonymous_api.post("/api/v1/orders", _order_body(variant, method), format="json")
    first = Order.objects.order_by("id").first()
    order_services.mark_order_paid(order_id=first.id, amount=first.total)

    listed = api.get("/api/v1/orders", {"status": "paid"})
    detail = api.get(f"/api/v1/orders/{first.token}")

    assert [o["number"] for o in listed.json()["results"]] == [first.number]
    assert detail.json()["items"][0]["sku"] == variant.sku
    assert detail.json()["status"] == "paid"


@pytest.mark.django_db
def test_customer_sees_only_their_own_orders(store, anonymous_api):
    variant = stocked_variant(stock=10)
    method = ShippingMethodFactory()
    alice, bob = UserFactory(), UserFactory()
    alice_client = APIClient(HTTP_HOST=store.primary_host)
    alice_client.force_authenticate(alice)
    alice_client.post("/api/v1/orders", _order_body(variant, method), format="json")
    bob_client = APIClient(HTTP_HOST=store.primary_host)
    bob_client.force_authenticate(bob)
    alice_order = Order.objects.get(user=alice)

    assert alice_client.get(f"/api/v1/orders/{alice_order.token}").status_code == 200
    assert bob_client.get(f"/api/v1/orders/{alice_order.token}").status_code == 404
    assert bob_client.get("/api/v1/orders").json()["results"] == []


@pytest.mark.django_db
def test_fulfil_cancel_and_refund_through_the_api(api, anonymous_api):
    variant = stocked_variant(stock=10)
    method = ShippingMethodFactory()
    anonymous_api.post("/api/v1/orders", _order_body(variant, method), format="json")
    order = pay_with_test_card(Order.objects.get())
    line = order.lines.get()

    shipped = api.post(
        f"/api/v1/orders/{order.token}/fulfillments",
        {"lines": [{"line_id": line.id, "quantity": 1}], "tracking_number": "TRK1"},
        format="json",
    )
    refunded = api.post(f"/api/v1/orders/{order.token}/refunds", {"amount": "5.00"}, format="json")
    too_much = api.post(f"/api/v1/orders/{order.token}/refunds", {"amount": "999"}, format="json")
    cancel = api.post(f"/api/v1/orders/{order.token}/cancel", {}, format="json")

    assert shipped.status_code == 201 and shipped.json()["tracking_number"] == "TRK1"
    assert refunded.status_code == 201 and refunded.json()["amount_refunded"] == "5.00"
    assert too_much.status_code == 400 and too_much.json()["error"]["code"] == "invalid_refund"
    assert cancel.status_code == 409  # partially fulfilled orders cannot be cancelled


@pytest.mark.django_db
def test_list_endpoint_query_count_is_bounded(api, anonymous_api, django_assert_max_num_queries):
    variant = stocked_variant(stock=100)
    method = ShippingMethodFactory()
    for _ in range(12):
        anonymous_api.post("/api/v1/orders", _order_body(variant, method), format="json")

    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/orders")

    assert len(response.json()["results"]) == 12


@pytest.mark.django_db
def test_payment_redirect_url_is_on_the_stores_public_base(anonymous_api, store, settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", "8443"
    variant = stocked_variant(price="10.00", stock=5)

    response = anonymous_api.post(
        "/api/v1/orders", _order_body(variant, ShippingMethodFactory()), format="json"
    )

    payment = response.json()["payment"]
    assert payment["type"] == "redirect"
    assert payment["url"].startswith(f"https://{store.primary_host}:8443/payments/")


@pytest.mark.django_db
def test_order_is_refused_before_it_is_placed_when_the_platform_takes_no_test_payments(
    anonymous_api, settings
):
    settings.ALLOW_TEST_PAYMENTS = False  # production: the store's test gateway cannot take money
    variant = stocked_variant(stock=5)

    response = anonymous_api.post(
        "/api/v1/orders", _order_body(variant, ShippingMethodFactory()), format="json"
    )

    assert response.status_code == 402
    assert response.json()["error"]["code"] == "test_payments_not_allowed"
    assert not Order.objects.exists()
