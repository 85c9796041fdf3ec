"""The shopper's side: the header's currency choice re-prices the cart, listings and search
filter in it, the page cache keeps one page per currency, the API takes ``?currency=``."""

from decimal import Decimal

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.cart.models import Cart
from apps.search.backends.elasticsearch import build_search_body
from apps.search.query import SearchQuery
from apps.storefront import page_cache
from apps.storefront.carts import CART_COOKIE
from tests.factories.catalog import ProductFactory
from tests.shopping import stocked_variant

pytestmark = pytest.mark.django_db


def test_choosing_a_currency_in_the_header_reprices_the_cart(markets, store_client):
    variant = stocked_variant(price="20.00")
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 2})
    in_usd = store_client.get("/cart/").content.decode()

    chosen = store_client.post("/cart/currency/", {"currency": "EUR", "next": "/cart/"})
    in_eur = store_client.get("/cart/").content.decode()

    assert "40.00 USD" in in_usd
    assert chosen.status_code == 302 and chosen["Location"] == "/cart/"
    assert chosen.cookies["market"].value == "EUR"
    assert (
        "18.99 EUR" in in_eur and "37.98 EUR" in in_eur and "USD" not in in_eur.split("<main")[-1]
    )
    token = store_client.cookies[CART_COOKIE].value
    assert Cart.objects.get(token=token).currency == "EUR"


def test_the_selector_refuses_an_unknown_currency_and_an_outside_next(markets, store_client):
    unknown = store_client.post("/cart/currency/", {"currency": "XYZ", "next": "/cart/"})
    outside = store_client.post(
        "/cart/currency/", {"currency": "JPY", "next": "https://evil.example/"}
    )

    assert unknown.status_code == 302 and "market" not in unknown.cookies
    assert outside.status_code == 302 and outside["Location"] == "/"


def test_listing_shows_and_filters_prices_in_the_chosen_currency(markets, store_client):
    cheap = stocked_variant(price="10.00", product=ProductFactory(name="Cheap mug"))
    dear = stocked_variant(price="100.00", product=ProductFactory(name="Dear lamp"))
    store_client.cookies["market"] = "JPY"

    # 10 USD is 1514 JPY, 100 USD 15137 JPY: "at most 2000 JPY" keeps the mug only.
    page = store_client.get("/search/", {"max": "2000"}).content.decode()
    header = store_client.get("/search/").content.decode()

    assert "1514 JPY" in page and "Cheap mug" in page and "Dear lamp" not in page
    assert "15137 JPY" in header
    assert cheap.product.name in header and dear.product.name in header
    assert 'value="JPY" selected' in header


def test_price_facets_are_bands_in_the_shopper_currency(markets, store_client):
    stocked_variant(price="10.00")
    store_client.cookies["market"] = "JPY"

    page = store_client.get("/search/").content.decode()

    # The store's "Under 25" band, 25 USD × 151.37 = 3784 JPY, reads "Under 3800" in yen.
    assert "Under 3800" in page and "band=-3800" in page


def test_elasticsearch_query_body_compares_presentment_bounds_in_the_store_currency():
    query = SearchQuery(min_price=Decimal("1514"), price_rate=Decimal("151.37"), bands=("-3800",))

    body = build_search_body(query)

    text = str(body)
    assert "'gte': 10.0" in text  # 1514 JPY / 151.37
    assert "'lt': 25.104" in text  # 3800 JPY in USD
    assert "'key': '-3800'" in text


def test_page_cache_keeps_one_page_per_valid_currency(markets, store):
    factory = RequestFactory()

    def key(cookie: str | None) -> str:
        request = factory.get("/", HTTP_HOST=store.primary_host)
        request.store = store
        if cookie is not None:
            request.COOKIES["market"] = cookie
        return page_cache.page_variant(request)

    assert key("EUR") != key(None) != key("JPY")
    assert key("XYZ") == key(None) == key("USD")  # a made-up currency cannot split the cache


def test_api_prices_take_a_currency(markets, store):
    variant = stocked_variant(price="20.00")
    api = APIClient(HTTP_HOST=store.primary_host)

    usd = api.get(f"/api/v1/products/{variant.product_id}")
    kwd = api.get(f"/api/v1/products/{variant.product_id}", {"currency": "kwd"})
    unknown = api.get("/api/v1/products", {"currency": "XYZ"})
    malformed = api.get("/api/v1/products", {"currency": "EU"})

    assert usd.status_code == 200 and usd.json()["variants"][0]["price"] == "20.00"
    assert kwd.status_code == 200 and kwd.json()["variants"][0]["price"] == "6.142"
    # Well formed but not one of the store's markets: 422; not a currency code at all: 400.
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_currency"
    assert malformed.status_code == 400


def test_api_carts_are_priced_in_their_currency_and_switch(markets, store):
    variant = stocked_variant(price="20.00")
    api = APIClient(HTTP_HOST=store.primary_host)

    created = api.post("/api/v1/carts", {"currency": "kwd"}, format="json")
    cart_id = created.json()["cart_id"]
    in_kwd = api.post(
        f"/api/v1/carts/{cart_id}/items", {"variant_id": variant.id, "quantity": 2}, format="json"
    ).json()
    in_jpy = api.put(f"/api/v1/carts/{cart_id}/currency", {"currency": "JPY"}, format="json")
    in_usd = api.put(f"/api/v1/carts/{cart_id}/currency", {"currency": "USD"}, format="json")
    unknown = api.put(f"/api/v1/carts/{cart_id}/currency", {"currency": "CHF"}, format="json")

    assert created.status_code == 201 and created.json()["currency"] == "KWD"
    # 20.00 USD x 0.3071 = 6.142 KWD (three places), a line of two 12.284.
    assert in_kwd["items"][0]["unit_price"] == "6.142" and in_kwd["total"] == "12.284"
    assert in_jpy.status_code == 200 and in_jpy.json()["currency"] == "JPY"
    assert in_jpy.json()["items"][0]["unit_price"] == "3027"  # 20 x 151.37, whole yen
    assert in_usd.json()["currency"] == "USD" and in_usd.json()["total"] == "40.00"
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_currency"
    assert Cart.objects.get(token=cart_id).currency == ""  # still the store's currency


def test_without_a_choice_the_shipping_country_picks_the_market(markets, store_client):
    from apps.checkout import services as checkout_services
    from tests.shopping import ADDRESS

    variant = stocked_variant(price="20.00")
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})
    cart = Cart.objects.get(token=store_client.cookies[CART_COOKIE].value)
    checkout = checkout_services.start_checkout(cart=cart)
    checkout_services.set_shipping_address(checkout=checkout, address={**ADDRESS, "country": "DE"})

    page = store_client.get(f"/checkout/{checkout.token}/").content.decode()

    cart.refresh_from_db()
    assert cart.currency == "EUR"
    assert "18.99 EUR" in page


def test_api_orders_show_amounts_with_the_currencys_digits(markets, store):
    from apps.api import services as api_services
    from apps.api.models import SCOPES
    from tests.markets.test_checkout_in_markets import _paid_order

    order = _paid_order("KWD", [stocked_variant(price=p) for p in ("20.00", "12.99", "5.00")])
    _, key = api_services.create_api_key(name="test", scopes=list(SCOPES))
    api = APIClient(HTTP_HOST=store.primary_host, HTTP_AUTHORIZATION=f"Bearer {key}")

    body = api.get(f"/api/v1/orders/{order.token}").json()

    assert body["currency"] == "KWD" and body["subtotal"] == "20.881"
    assert [line["unit_price"] for line in body["items"]] == ["6.142", "3.989", "1.536"]
    assert all(len(payment["amount"].split(".")[1]) == 3 for payment in body["payments"])


def test_api_orders_of_items_take_a_currency_and_a_cart_keeps_its_own(markets, store):
    from tests.factories.checkout import ShippingMethodFactory
    from tests.shopping import ADDRESS

    ShippingMethodFactory(price=Decimal("5.00"))
    variant = stocked_variant(price="20.00", stock=10)
    api = APIClient(HTTP_HOST=store.primary_host)
    order = {
        "email": "shopper@example.test",
        "shipping_address": {**ADDRESS, "country": "US"},
        "payment_method": "test",
    }
    items = [{"variant_id": variant.id, "quantity": 1}]

    in_jpy = api.post("/api/v1/orders", {**order, "items": items, "currency": "jpy"}, format="json")
    unknown = api.post(
        "/api/v1/orders", {**order, "items": items, "currency": "CHF"}, format="json"
    )
    cart_id = api.post("/api/v1/carts", {"currency": "EUR"}, format="json").json()["cart_id"]
    api.post(f"/api/v1/carts/{cart_id}/items", items[0], format="json")
    other = api.post(
        "/api/v1/orders", {**order, "cart_id": cart_id, "currency": "JPY"}, format="json"
    )
    same = api.post(
        "/api/v1/orders", {**order, "cart_id": cart_id, "currency": "eur"}, format="json"
    )

    assert in_jpy.status_code == 201, in_jpy.json()
    assert in_jpy.json()["currency"] == "JPY"  # 20 USD x 151.37 = 3027 yen, US shipping
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_currency"
    assert other.status_code == 422 and other.json()["error"]["code"] == "currency_mismatch"
    assert same.status_code == 201 and same.json()["currency"] == "EUR"
    # Amounts carry their currency's digits: whole yen, cents for euros.
    assert in_jpy.json()["total"].isdigit() and same.json()["total"].count(".") == 1
