"""Cached fragments of product pages (apps/storefront/fragments.py): what a page that misses the
page cache reuses, and what drops it."""

import pytest
from django.test import Client

from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel
from apps.reviews import services as review_services
from apps.storefront.visitors import RECENT_COOKIE
from tests.factories.accounts import UserFactory
from tests.shopping import stocked_variant


@pytest.fixture(autouse=True)
def _rendered_every_time(settings):
    settings.PAGE_CACHE_ENABLED = False  # every view renders: the fragments answer


def _body(store, url: str, **cookies) -> str:
    client = Client(HTTP_HOST=store.primary_host)
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _strip(body: str, widget: str) -> str:
    return body.split(f'data-widget="{widget}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
def test_a_published_review_shows_at_once_to_visitors_not_signed_in(store):
    product = stocked_variant().product
    url = product.get_absolute_url()
    assert "No reviews yet" in _body(store, url)

    review_services.submit_review(
        product_id=product.id, author_id=UserFactory().id, rating=5, title="Fits well"
    )
    body = _body(store, url)

    assert "Fits well" in body and "No reviews yet" not in body


@pytest.mark.django_db
def test_a_signed_in_shopper_gets_their_own_review_block(store):
    product = stocked_variant().product
    url = product.get_absolute_url()
    _body(store, url)  # the anonymous block, cached
    client = Client(HTTP_HOST=store.primary_host)
    client.force_login(UserFactory())

    body = client.get(url).content.decode()

    assert "Write a review" in body and "Sign in</a> to write a review" not in body


@pytest.mark.django_db
def test_a_strip_shows_a_product_sold_out_since_it_was_cached(store):
    shown = stocked_variant(stock=2)
    page = stocked_variant().product.get_absolute_url()
    recent = {RECENT_COOKIE: str(shown.product_id)}
    assert "Out of stock" not in _strip(_body(store, page, **recent), "recently_viewed")
    level = StockLevel.objects.get(variant=shown)

    inventory_services.set_stock_level(
        variant_id=shown.id, warehouse_id=level.warehouse_id, on_hand=0
    )
    strip = _strip(_body(store, page, **recent), "recently_viewed")

    assert shown.product.name in strip and "Out of stock" in strip


@pytest.mark.django_db
def test_a_strip_is_priced_in_each_shoppers_market(store):
    from decimal import Decimal

    from apps.markets.models import Market
    from apps.storefront.markets import MARKET_COOKIE

    Market.objects.create(
        name="Japan", currency="JPY", countries=["JP"], exchange_rate=Decimal("151.37")
    )
    shown = stocked_variant(price="20.00")
    page = stocked_variant().product.get_absolute_url()
    recent = {RECENT_COOKIE: str(shown.product_id)}

    in_usd = _strip(_body(store, page, **recent), "recently_viewed")
    in_jpy = _strip(_body(store, page, **recent, **{MARKET_COOKIE: "JPY"}), "recently_viewed")

    assert "20.00 USD" in in_usd
    assert "3027 JPY" in in_jpy and "USD" not in in_jpy  # 20 x 151.37, whole yen
