"""The small things a shopper notices: the cart count, sensible redirects, favicon, a11y."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.orders.models import Order
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant


def _cart_link(body: str) -> str:
    return re.search(r'<a class="cart-link" href="/cart/">(.*?)</a>', body, re.S).group(1)


@pytest.mark.django_db
def test_header_shows_the_number_of_items_in_the_cart(store_client):
    first, second = stocked_variant(price="5.00"), stocked_variant(price="3.00")
    assert "cart-count" not in _cart_link(store_client.get("/").content.decode())

    store_client.post("/cart/add/", {"variant_id": first.id, "quantity": 2})
    store_client.post("/cart/add/", {"variant_id": second.id, "quantity": 1})

    for path in ("/", "/cart/", f"/products/{first.product.slug}/"):
        link = _cart_link(store_client.get(path).content.decode())
        assert "(3" in link and "items" in link, path


@pytest.mark.django_db
def test_cart_count_costs_no_query_of_its_own(store_client):
    variant = stocked_variant(price="5.00")
    store_client.get("/")  # warms the per-store caches (and creates the settings row)
    store_client.get("/")  # now kept by the page cache: both pages below are cache hits
    with CaptureQueriesContext(connection) as no_cart:
        store_client.get("/")
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 2})
    store_client.get("/")
    with CaptureQueriesContext(connection) as with_cart:
        body = store_client.get("/").content.decode()

    assert "(2" in _cart_link(body)
    cart_queries = [q["sql"] for q in with_cart.captured_queries if "cart_cart" in q["sql"]]
    assert len(cart_queries) == 1  # the cart and its count in one query
    assert len(with_cart.captured_queries) == len(no_cart.captured_queries) + 1
    assert not any("cart_cart" in q["sql"] for q in no_cart.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cart/add/", "/cart/update/", "/cart/remove/", "/checkout/"])
def test_get_on_a_cart_action_leads_to_the_cart(store_client, path):
    response = store_client.get(path)

    assert response.status_code == 302 and response["Location"] == "/cart/"


@pytest.mark.django_db
def test_get_on_post_only_urls_redirects_to_their_page(store_client):
    variant = stocked_variant()
    slug = variant.product.slug
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})
    checkout = store_client.post("/checkout/")["Location"]  # /checkout/<token>/

    assert store_client.get(f"{checkout}voucher/")["Location"] == checkout
    assert store_client.get(f"/reviews/product/{slug}/write/")["Location"] == f"/products/{slug}/"
    assert store_client.get("/account/wishlist/add/")["Location"] == "/account/wishlist/"
    assert store_client.get("/recommendations/back-in-stock/")["Location"] == "/"
    # A same-host ``next`` wins; another host's does not.
    assert (
        store_client.get(f"/cart/add/?next=/products/{slug}/")["Location"] == f"/products/{slug}/"
    )
    assert store_client.get("/cart/add/?next=https://evil.test/")["Location"] == "/cart/"
    # Other methods are still refused; POST works as before.
    assert store_client.put("/cart/add/").status_code == 405
    assert (
        store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})["Location"]
        == "/cart/"
    )


@pytest.mark.django_db
def test_payment_page_lists_the_order_lines_and_links_back_to_the_order(store_client):
    lamp = stocked_variant(price="15.00")
    chair = stocked_variant(price="7.50")
    method = ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": lamp.id, "quantity": 2})
    store_client.post("/cart/add/", {"variant_id": chair.id, "quantity": 1})
    page = store_client.post("/checkout/")["Location"]
    form = {"email": "guest@example.test", **ADDRESS, "method": method.id, "action": "pay"}
    payment_url = store_client.post(page, form)["Location"]

    body = store_client.get(payment_url).content.decode()

    order = Order.objects.get()
    assert lamp.product.name in body and chair.product.name in body
    assert "30.00" in body and "7.50" in body  # line totals
    assert "37.50" in body and "42.50" in body  # subtotal and total with 5.00 shipping
    assert f'href="/orders/{order.token}/"' in body


def _autocomplete(body: str, name: str) -> str:
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', body).group(0)
    return re.search(r'autocomplete="([^"]*)"', tag).group(1)


@pytest.mark.django_db
def test_checkout_fields_carry_autocomplete_and_delivery_is_a_fieldset(store_client):
    variant = stocked_variant()
    ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})
    body = store_client.get(store_client.post("/checkout/")["Location"]).content.decode()

    expected = {
        "email": "email",
        "full_name": "name",
        "line1": "address-line1",
        "line2": "address-line2",
        "city": "address-level2",
        "region": "address-level1",
        "postal_code": "postal-code",
        "country": "country",
        "phone": "tel",
    }
    assert {name: _autocomplete(body, name) for name in expected} == expected
    assert re.search(r'<input type="tel" name="phone"', body)
    fieldset = re.search(r"<fieldset[^>]*>\s*<legend>(.*?)</legend>(.*?)</fieldset>", body, re.S)
    assert "Delivery" in fieldset.group(1) and 'type="radio" name="method"' in fieldset.group(2)


@pytest.mark.django_db
def test_account_and_lookup_forms_carry_autocomplete(store_client):
    signup = store_client.get("/account/signup/").content.decode()
    lookup = store_client.get("/orders/lookup/").content.decode()

    assert _autocomplete(signup, "email") == "email"
    assert _autocomplete(signup, "first_name") == "given-name"
    assert _autocomplete(signup, "password1") == "new-password"
    assert _autocomplete(lookup, "email") == "email"


@pytest.mark.django_db
def test_skip_link_is_the_first_focusable_element_and_focus_is_visible(store_client):
    body = store_client.get("/").content.decode()
    page = body[body.index("<body") :]

    first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", page).group(0)
    assert 'class="skip-link"' in first and 'href="#content"' in first
    assert "Skip to content" in page and '<main id="content"' in page
    css = (settings.BASE_DIR / "static" / "css" / "mercato.css").read_text()
    assert ":focus-visible" in css and ".skip-link:focus" in css


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_favicon_answers_on_every_host(store_client, platform_client):
    unknown = Client(HTTP_HOST="nosuchstore.localhost")

    for client in (store_client, platform_client, unknown):
        response = client.get("/favicon.ico")
        assert response.status_code == 200
        assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
        assert _body(response)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    body = store_client.get("/").content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in body
    assert store_client.get("/static/img/favicon.svg").status_code == 200


@pytest.mark.django_db
def test_no_store_page_is_styled_on_unknown_hosts():
    unknown = Client(HTTP_HOST="nosuchstore.localhost")

    page = unknown.get("/")
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.content.decode()).group(1)
    css = unknown.get(stylesheet)

    assert page.status_code == 404 and "There is no store here" in page.content.decode()
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert b".site-header" in _body(css)
    # Only assets pass: any other path on an unknown host is still the friendly 404.
    assert unknown.get("/cart/").status_code == 404
    assert unknown.get("/static/../config/settings.py").status_code == 404
