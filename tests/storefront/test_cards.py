"""Listing cards are rendered once per product and cached; a product change shows at once."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog import product_cache
from apps.catalog import services as catalog_services
from apps.catalog.models import Product, ProductImage
from apps.inventory import services as inventory_services
from apps.search import services as search_services
from tests.factories.inventory import WarehouseFactory


def make_product(name, *, price="20.00", **kwargs):
    return catalog_services.create_product_with_variants(
        name=name,
        category=None,
        price=Decimal(price),
        sku_prefix=kwargs.pop("sku_prefix", name.upper().replace(" ", "")[:12]),
        **kwargs,
    )


def between_tags(html: str) -> str:
    """The markup without the template's layout whitespace between tags."""
    return re.sub(r">\s+<", "><", html)


def card_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "catalog_productimage" in q["sql"]]


@pytest.mark.django_db
def test_a_card_shown_by_one_search_is_reused_by_another(store_client):
    make_product("Sun Tee", brand="Helios")
    store_client.get("/search/", {"q": "tee"})

    with CaptureQueriesContext(connection) as queries:
        response = store_client.get("/search/", {"q": "sun"})

    assert "Sun Tee" in response.content.decode()
    assert "Helios" in response.content.decode()
    assert card_queries(queries) == []


@pytest.mark.django_db
def test_a_product_edit_shows_on_its_cached_card_at_once(store_client):
    product = make_product("Sun Tee", brand="Helios")
    store_client.get("/search/", {"q": "tee"})

    catalog_services.update_product(product_id=product.id, fields={"brand": "Selene"})
    body = store_client.get("/search/", {"q": "tee"}).content.decode()

    assert "Selene" in body and "Helios" not in body


@pytest.mark.django_db
def test_a_new_thumbnail_shows_on_the_cached_card(store_client):
    product = make_product("Sun Tee")
    first = store_client.get("/search/", {"q": "tee"}).content.decode()
    image = ProductImage.objects.create(product=product, image="p/sun.jpg", position=0)

    # What the thumbnail task does once the file is written.
    ProductImage.objects.filter(pk=image.pk).update(thumbnail_medium="p/thumbs/sun-medium.jpg")
    product_cache.bump_version()
    second = store_client.get("/search/", {"q": "tee"}).content.decode()

    assert "sun-medium.jpg" not in first
    assert "sun-medium.jpg" in second


@pytest.mark.django_db
def test_a_stock_change_keeps_the_cached_cards(store_client, django_capture_on_commit_callbacks):
    product = make_product("Sun Tee")
    store_client.get("/search/", {"q": "tee"})

    with django_capture_on_commit_callbacks(execute=True):
        inventory_services.receive_stock(
            variant_id=product.variants.first().id, warehouse_id=WarehouseFactory().id, quantity=3
        )
    with CaptureQueriesContext(connection) as queries:
        body = store_client.get("/search/", {"q": "tee", "in_stock": "1"}).content.decode()

    assert "Sun Tee" in body
    assert card_queries(queries) == []


@pytest.mark.django_db
def test_cached_cards_stay_in_their_store(store_client, other_store_client, other_store):
    make_product("Sun Tee", brand="Helios")
    store_client.get("/search/", {"q": "tee"})
    connection.set_tenant(other_store)
    make_product("Sun Tee", brand="Other brand", sku_prefix="OTHER")

    body = other_store_client.get("/search/", {"q": "tee"}).content.decode()

    assert "Other brand" in body and "Helios" not in body


@pytest.mark.django_db
def test_card_markup_escapes_and_formats(store_client):
    product = make_product('Tee <b>"bold"</b> & co', brand="A<B", price="24.50")
    Product.objects.filter(pk=product.pk).update(rating_avg=Decimal("4.25"), rating_count=2)
    search_services.mark_products_changed(product_ids=[product.pk])

    body = between_tags(store_client.get("/search/", {"q": "tee"}).content.decode())

    assert "<h3>Tee &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co</h3>" in body
    assert '<div class="muted">A&lt;B</div>' in body
    assert '<div class="price">24.50 USD</div>' in body
    assert "★ 4.3 (2)" in body  # like floatformat: half up
    assert '<div class="thumb placeholder" aria-hidden="true"></div>' in body


@pytest.mark.django_db
def test_home_page_shows_the_same_cards(store_client):
    make_product("Sun Tee", brand="Helios", price="24.50")

    body = between_tags(store_client.get("/").content.decode())

    card = '<h3>Sun Tee</h3><div class="muted">Helios</div><div class="price">24.50 USD</div>'
    assert card in body
