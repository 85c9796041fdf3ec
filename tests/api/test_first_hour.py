"""An integrator's first hour against a brand-new store, over HTTP only: products with stock
(a plain number and the per-location list), a cart, its shipping rates, an order without a
shipping method (the cheapest rate), and a test-card payment.

The only non-HTTP steps are the ones an integrator cannot do over the API: opening the store
(``create_store``, as the signup page does) and its owner creating an API key.
"""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from apps.api import services as api_services
from apps.api.models import SCOPES
from apps.checkout.models import ShippingMethod
from apps.tenants import services as tenant_services

ADDRESS = {
    "full_name": "Grace Hopper",
    "line1": "1 Compiler Court",
    "city": "Arlington",
    "postal_code": "22201",
    "country": "US",
}


@pytest.fixture
def new_store(public_schema):
    return tenant_services.create_store(
        name="First Hour",
        slug="firsthour",
        owner_email="owner@firsthour.test",
        owner_password="Another-pass-2026",
    )


@pytest.fixture
def integrator(new_store) -> APIClient:
    with schema_context(new_store.schema_name):
        _, raw_key = api_services.create_api_key(name="shop sync", scopes=list(SCOPES))
    client = APIClient(HTTP_HOST=new_store.primary_host)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def _product(integrator, *, sku: str, stock) -> dict:
    response = integrator.post(
        "/api/v1/products",
        {
            "name": f"Item {sku}",
            "status": "active",
            "variants": [{"sku": sku, "price": "20.00", "stock": stock}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
def test_api_only_order_on_a_brand_new_store_from_product_to_test_payment(new_store, integrator):
    # Products: stock as a plain number (the default location) and as the per-location list.
    mug = _product(integrator, sku="MUG-1", stock=7)
    levels = integrator.get("/api/v1/inventory", {"sku": "MUG-1"}).json()["results"]
    assert [(lv["warehouse"], lv["on_hand"]) for lv in levels] == [("Main warehouse", 7)]
    location = levels[0]["warehouse_id"]
    tee = _product(integrator, sku="TEE-1", stock=[{"warehouse_id": location, "quantity": 4}])
    cap = _product(integrator, sku="CAP-1", stock=[{"quantity": 2}])
    assert [p["variants"][0]["available"] for p in (mug, tee, cap)] == [7, 4, 2]

    # A cart, as a storefront client holding only its id would build it.
    shopper = APIClient(HTTP_HOST=new_store.primary_host)
    cart = shopper.post("/api/v1/carts").json()
    mug_id, tee_id = mug["variants"][0]["id"], tee["variants"][0]["id"]
    shopper.post(
        f"/api/v1/carts/{cart['cart_id']}/items",
        {"variant_id": mug_id, "quantity": 2},
        format="json",
    )
    cart = shopper.post(
        f"/api/v1/carts/{cart['cart_id']}/items",
        {"variant_id": tee_id, "quantity": 1},
        format="json",
    ).json()
    assert (cart["subtotal"], cart["total"]) == ("60.00", "60.00")

    # Shipping rates for the cart and a domestic address: the store's default flat rate.
    rates = shopper.get(f"/api/v1/carts/{cart['cart_id']}/shipping-rates", {"country": "us"})
    assert rates.status_code == 200, rates.json()
    assert rates.json()["rates"] == [
        {
            "id": rates.json()["rates"][0]["id"],
            "name": "Standard shipping",
            "zone": "United States of America",
            "price": "5.00",
            "tax_total": "0.00",
            "total": "65.00",
        }
    ]

    # The order, without a shipping method: the cheapest rate.
    placed = shopper.post(
        "/api/v1/orders",
        {"cart_id": cart["cart_id"], "email": "grace@example.test", "shipping_address": ADDRESS},
        format="json",
    )
    assert placed.status_code == 201, placed.json()
    order = placed.json()
    assert (order["status"], order["total"]) == ("pending", "65.00")

    # The test payment, on the store's payment page (the URL the API answered with).
    payment_url = order["payment"]["url"]
    browser = Client(HTTP_HOST=urlsplit(payment_url).netloc.split(":")[0])
    page = urlsplit(payment_url).path
    assert browser.get(page).status_code == 200
    paid = browser.post(
        page, {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123", "name": "Grace"}
    )
    assert paid.status_code == 302

    detail = integrator.get(f"/api/v1/orders/{order['order_id']}").json()
    assert (detail["status"], detail["payment_status"]) == ("paid", "paid")
    assert (detail["shipping_method"], detail["shipping_total"]) == ("Standard shipping", "5.00")
    levels = integrator.get("/api/v1/inventory", {"sku": "MUG-1"}).json()["results"]
    assert (levels[0]["on_hand"], levels[0]["available"]) == (5, 5)


@pytest.mark.django_db
def test_order_without_shipping_method_takes_the_cheapest_rate(new_store, integrator):
    with schema_context(new_store.schema_name):
        zone = ShippingMethod.objects.get().zone
        ShippingMethod.objects.create(zone=zone, name="Express", price=Decimal("15.00"))
        ShippingMethod.objects.create(zone=zone, name="Economy", price=Decimal("2.50"))
    variant_id = _product(integrator, sku="BAG-1", stock=3)["variants"][0]["id"]
    body = {
        "items": [{"variant_id": variant_id, "quantity": 1}],
        "email": "grace@example.test",
        "shipping_address": ADDRESS,
    }

    order = integrator.post("/api/v1/orders", body, format="json").json()

    detail = integrator.get(f"/api/v1/orders/{order['order_id']}").json()
    assert (detail["shipping_method"], detail["shipping_total"]) == ("Economy", "2.50")
    assert order["total"] == "22.50"


@pytest.mark.django_db
def test_order_to_a_country_the_store_does_not_ship_to_is_a_400_and_leaves_nothing(
    new_store, integrator
):
    variant_id = _product(integrator, sku="BAG-2", stock=3)["variants"][0]["id"]
    body = {
        "items": [{"variant_id": variant_id, "quantity": 1}],
        "email": "grace@example.test",
        "shipping_address": {**ADDRESS, "country": "JP", "postal_code": "100-0001"},
    }

    response = integrator.post("/api/v1/orders", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "shipping_unavailable"
    assert integrator.get("/api/v1/orders").json()["results"] == []


@pytest.mark.django_db
def test_shipping_rates_answer_an_empty_list_abroad_and_400_for_a_bad_country(
    new_store, integrator
):
    cart_id = integrator.post("/api/v1/carts").json()["cart_id"]

    abroad = integrator.get(f"/api/v1/carts/{cart_id}/shipping-rates", {"country": "JP"})
    bad = integrator.get(f"/api/v1/carts/{cart_id}/shipping-rates", {"country": "ZZ"})
    missing = integrator.get(f"/api/v1/carts/{cart_id}/shipping-rates")
    unknown_cart = integrator.get(
        "/api/v1/carts/00000000-0000-0000-0000-000000000000/shipping-rates", {"country": "US"}
    )

    assert abroad.status_code == 200 and abroad.json()["rates"] == []
    assert bad.status_code == 400 and "country" in bad.json()["error"]["fields"]
    assert missing.status_code == 400 and "country" in missing.json()["error"]["fields"]
    assert unknown_cart.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stock",
    [-1, 1_000_001, "7", True, [{"quantity": 0}], {}],
    ids=["negative", "too-many", "string", "bool", "zero-entry", "object"],
)
def test_bad_stock_is_a_400_with_the_field_and_creates_nothing(new_store, integrator, stock):
    response = integrator.post(
        "/api/v1/products",
        {"name": "Bad", "variants": [{"sku": "BAD-1", "price": "1.00", "stock": stock}]},
        format="json",
    )

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert integrator.get("/api/v1/products").json()["results"] == []


@pytest.mark.django_db
def test_stock_zero_creates_the_variant_without_stock(new_store, integrator):
    product = _product(integrator, sku="ZERO-1", stock=0)

    assert product["variants"][0]["available"] == 0
    assert integrator.get("/api/v1/inventory", {"sku": "ZERO-1"}).json()["results"] == []


@pytest.mark.django_db
def test_openapi_schema_documents_shipping_rates_stock_forms_and_the_cheapest_default(
    new_store, integrator
):
    schema = integrator.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    rates = schema["paths"]["/api/v1/carts/{cart_id}/shipping-rates"]["get"]
    assert [p["name"] for p in rates["parameters"] if p["in"] == "query"] == ["country"]
    variant = schema["components"]["schemas"]["VariantInputRequest"]["properties"]["stock"]
    assert [form["type"] for form in variant["oneOf"]] == ["integer", "array"]
    order_input = schema["components"]["schemas"]["OrderCreateInputRequest"]
    assert "shipping_method" not in order_input.get("required", [])
    assert "cheapest" in order_input["properties"]["shipping_method"]["description"]
    assert "total" in schema["components"]["schemas"]["CartOutput"]["properties"]


@pytest.mark.django_db
def test_stock_at_an_unknown_location_is_a_404_and_creates_nothing(new_store, integrator):
    stock = [{"warehouse_id": 999, "quantity": 1}]

    response = integrator.post(
        "/api/v1/products",
        {"name": "Bad", "variants": [{"sku": "BAD-1", "price": "1.00", "stock": stock}]},
        format="json",
    )

    assert response.status_code == 404, response.json()
    assert response.json()["error"]["message"] == "No such active warehouse."
    assert integrator.get("/api/v1/products").json()["results"] == []
