"""The page cache for anonymous shoppers (apps/storefront/page_cache.py): who is served cached
pages, what is filled in per visitor, and how fast stock and price changes show."""

import re
import time
from decimal import Decimal

import pytest
from django.test import Client

from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel
from apps.preferences.models import StoreSettings
from tests.factories.accounts import UserFactory
from tests.shopping import stocked_variant

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _store_settings(db):
    """The settings row a store's first page view would create (a change, which drops pages)."""
    StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_PK)


def visitor(store, **kwargs) -> Client:
    return Client(HTTP_HOST=store.primary_host, **kwargs)


def page(client: Client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def cart_count(body: str) -> str | None:
    found = re.search(r'class="cart-count">\((\d+)', body)
    return found.group(1) if found else None


@pytest.mark.django_db
def test_second_anonymous_view_of_a_product_is_served_from_the_cache(store):
    url = stocked_variant().product.get_absolute_url()

    first, first_body = page(visitor(store), url)
    second, second_body = page(visitor(store), url)

    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert "<!--pc:" not in first_body and "<!--pc:" not in second_body
    assert TOKEN.sub("", first_body).count("Add to cart") == 1
    assert second["Content-Security-Policy"] != first["Content-Security-Policy"]  # own nonce
    nonce = re.search(r"'nonce-([^']+)'", second["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in second_body


@pytest.mark.django_db
def test_signed_in_and_anonymous_shoppers_never_see_each_others_header_count_or_token(store):
    variant = stocked_variant()
    url = variant.product.get_absolute_url()
    with_cart = visitor(store)
    with_cart.post("/cart/add/", {"variant_id": variant.id, "quantity": 2})
    customer = visitor(store)
    customer.force_login(UserFactory(email="ada@example.test", first_name="Ada"))
    customer.post("/cart/add/", {"variant_id": variant.id, "quantity": 5})
    newcomer = visitor(store)
    for shopper in (with_cart, customer):
        shopper.get("/cart/")  # shows (and clears) the "added" message

    cart_page, cart_body = page(with_cart, url)
    signed_in, signed_in_body = page(customer, url)
    fresh, fresh_body = page(newcomer, url)
    cart_again, cart_again_body = page(with_cart, url)

    assert cart_page["X-Page-Cache"] == "miss" and fresh["X-Page-Cache"] == "hit"
    assert "X-Page-Cache" not in signed_in  # signed-in shoppers bypass the cache
    assert cart_count(cart_body) == "2" and cart_count(cart_again_body) == "2"
    assert cart_count(signed_in_body) == "5"
    assert cart_count(fresh_body) is None
    assert "Account" in signed_in_body and "Sign in" not in signed_in_body
    assert "Sign in" in fresh_body and ">Account<" not in fresh_body
    assert "Sign in" in cart_again_body and ">Account<" not in cart_again_body
    assert "Save to wishlist" in signed_in_body and "Save to wishlist" not in fresh_body
    tokens = {
        name: set(TOKEN.findall(body))
        for name, body in [("cart", cart_body), ("customer", signed_in_body), ("new", fresh_body)]
    }
    assert all(tokens.values())
    assert not tokens["cart"] & tokens["new"] and not tokens["customer"] & tokens["new"]
    assert fresh.cookies["csrftoken"].value != with_cart.cookies["csrftoken"].value


@pytest.mark.django_db
def test_a_post_after_a_cached_get_passes_the_csrf_check(store):
    variant = stocked_variant()
    url = variant.product.get_absolute_url()
    page(visitor(store), url)  # the page is now cached
    shopper = visitor(store, enforce_csrf_checks=True)

    response, body = page(shopper, url)
    added = shopper.post(
        "/cart/add/",
        {"variant_id": variant.id, "quantity": 1, "csrfmiddlewaretoken": TOKEN.findall(body)[0]},
    )
    forged = visitor(store, enforce_csrf_checks=True).post(
        "/cart/add/",
        {"variant_id": variant.id, "quantity": 1, "csrfmiddlewaretoken": TOKEN.findall(body)[0]},
    )

    assert response["X-Page-Cache"] == "hit"
    assert added.status_code == 302
    assert forged.status_code == 403  # the token is the shopper's own, not a shared one


@pytest.mark.django_db
def test_a_product_that_sells_out_stops_showing_in_stock_within_the_bound(store, settings):
    settings.PAGE_CACHE_STOCK_SECONDS = 0.3
    variant = stocked_variant(stock=3)
    url = variant.product.get_absolute_url()
    page(visitor(store), url)
    level = StockLevel.objects.get(variant=variant)

    inventory_services.set_stock_level(
        variant_id=variant.id, warehouse_id=level.warehouse_id, on_hand=0
    )
    time.sleep(0.35)
    response, body = page(visitor(store), url)

    assert response["X-Page-Cache"] == "miss"
    assert "Sold out" in body and "Only 3 left" not in body


@pytest.mark.django_db
def test_a_price_change_shows_at_once(store):
    variant = stocked_variant(price="20.00")
    url = variant.product.get_absolute_url()
    page(visitor(store), url)
    assert page(visitor(store), url)[0]["X-Page-Cache"] == "hit"

    variant.price = Decimal("17.50")
    variant.save()
    response, body = page(visitor(store), url)

    assert response["X-Page-Cache"] == "miss"
    assert "17.50" in body and "20.00" not in body


@pytest.mark.django_db
def test_prelaunch_stores_previews_and_staff_never_get_cached_pages(store):
    url = stocked_variant().product.get_absolute_url()
    page(visitor(store), url)  # cached while the store is open
    staff = visitor(store)
    staff.force_login(UserFactory(email="staff@example.test", is_staff=True))

    staff_page, staff_body = page(staff, url)
    preview, _ = page(visitor(store), f"{url}?theme_preview=not-a-valid-token")
    StoreSettings.objects.update_or_create(
        pk=StoreSettings.SINGLETON_PK, defaults={"storefront_password": "open-sesame"}
    )
    stranger = visitor(store).get(url)
    insider = visitor(store)
    insider.post("/password/", {"password": "open-sesame", "next": url})
    insider_page, _ = page(insider, url)
    second_stranger = visitor(store).get(url)

    assert "X-Page-Cache" not in staff_page and "Store admin" in staff_body
    assert "X-Page-Cache" not in preview
    assert stranger.status_code == 302 and stranger["Location"].startswith("/password/")
    assert "X-Page-Cache" not in insider_page  # a visitor past the password: rendered, not kept
    assert second_stranger.status_code == 302


@pytest.mark.django_db
def test_the_recently_viewed_strip_is_each_visitors_own(store):
    seen = stocked_variant().product
    shown = stocked_variant().product
    browser = visitor(store)
    page(browser, seen.get_absolute_url())

    own, own_body = page(browser, shown.get_absolute_url())
    other, other_body = page(visitor(store), shown.get_absolute_url())
    again, again_body = page(browser, shown.get_absolute_url())

    assert own["X-Page-Cache"] == "miss" and other["X-Page-Cache"] == "hit"
    assert 'data-widget="recently_viewed"' in own_body and seen.name in own_body
    assert 'data-widget="recently_viewed"' not in other_body
    assert again["X-Page-Cache"] == "hit" and seen.name in again_body


@pytest.mark.django_db
def test_listings_are_cached_per_query_and_dropped_by_a_theme_or_settings_change(store):
    stocked_variant()
    first = visitor(store).get("/search/", {"q": "shirt", "sort": "price"})
    same = visitor(store).get("/search/", {"sort": "price", "q": "shirt", "utm_source": "mail"})
    other = visitor(store).get("/search/", {"q": "hat"})
    StoreSettings.objects.update_or_create(pk=StoreSettings.SINGLETON_PK, defaults={})
    after = visitor(store).get("/search/", {"q": "shirt", "sort": "price"})

    assert first["X-Page-Cache"] == "miss" and same["X-Page-Cache"] == "hit"
    assert other["X-Page-Cache"] == "miss"
    assert after["X-Page-Cache"] == "miss"


@pytest.mark.django_db
def test_anonymous_browsing_writes_no_session(store):
    url = stocked_variant().product.get_absolute_url()
    shopper = visitor(store)

    responses = [shopper.get(path) for path in ("/", "/search/?q=x", url, url)]

    assert all(r.status_code == 200 for r in responses)
    assert not any(settings_cookie in r.cookies for r in responses for settings_cookie in (
        "sessionid",
    ))  # fmt: skip


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port where nothing listens (connection refused at once)."""
    from apps.core import redis_outage

    cache_settings = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}
    settings.CACHES = {"default": cache_settings}
    yield
    redis_outage._counter.down_until = float("-inf")  # the real Redis is up again at once


@pytest.mark.django_db
def test_pages_are_rendered_when_redis_is_down(store, redis_down):
    url = stocked_variant().product.get_absolute_url()

    first = visitor(store).get(url)
    second = visitor(store).get(url)

    assert first.status_code == 200 and second.status_code == 200
    assert "X-Page-Cache" not in second or second["X-Page-Cache"] == "miss"
    assert "Add to cart" in second.content.decode()
