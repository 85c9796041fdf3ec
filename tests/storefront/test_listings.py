from decimal import Decimal

import pytest

from apps.catalog import services as catalog_services
from tests.factories.catalog import CategoryFactory


def make_product(name, *, category=None, price="20.00", options=None, **kwargs):
    return catalog_services.create_product_with_variants(
        name=name,
        category=category,
        price=Decimal(price),
        sku_prefix=kwargs.pop("sku_prefix", name.upper().replace(" ", "")[:12]),
        options=options,
        **kwargs,
    )


@pytest.mark.django_db
def test_search_page_lists_matches_with_facet_counts(store_client):
    tees = CategoryFactory(name="Tees", slug="tees")
    make_product("Sun Tee", category=tees, options={"Size": ["S", "M"]})
    make_product("Moon Tee", category=tees, options={"Size": ["M"]})
    make_product("Star Mug")

    response = store_client.get("/search/", {"q": "tee"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Sun Tee" in body and "Moon Tee" in body and "Star Mug" not in body
    assert "2 products" in body
    assert '☐ M</a> <span class="muted">(2)</span>' in body
    assert 'Tees</a> <span class="muted">(2)</span>' in body


@pytest.mark.django_db
def test_search_page_says_which_spelling_it_searched(store_client):
    make_product("Organic T-shirt")

    response = store_client.get("/search/", {"q": "tshrit"})

    body = response.content.decode()
    assert "Showing results for <strong>t-shirt</strong>" in body
    assert "Organic T-shirt" in body


@pytest.mark.django_db
def test_facet_links_toggle_filters_and_keep_the_query(store_client):
    make_product("Sun Tee", options={"Size": ["S"]}, sku_prefix="SUN")
    make_product("Moon Tee", options={"Size": ["M"]}, sku_prefix="MOON")

    response = store_client.get("/search/", {"q": "tee", "option": "Size:M"})

    body = response.content.decode()
    assert "Moon Tee" in body and "Sun Tee" not in body
    assert 'href="?q=tee&amp;option=Size%3AM&amp;option=Size%3AS"' in body  # add S
    assert 'href="?q=tee"' in body  # untick M


@pytest.mark.django_db
def test_category_page_filters_by_price_option_and_sorts(store_client):
    shoes = CategoryFactory(name="Shoes", slug="shoes")
    make_product("Cheap Runner", category=shoes, price="20.00", options={"Size": ["42"]})
    make_product("Dear Runner", category=shoes, price="90.00", options={"Size": ["42"]})
    make_product("Dear Walker", category=shoes, price="95.00", options={"Size": ["44"]})

    response = store_client.get(
        "/categories/shoes/", {"min": "50", "option": "Size:42", "sort": "price_desc"}
    )

    body = response.content.decode()
    assert "Dear Runner" in body
    assert "Cheap Runner" not in body and "Dear Walker" not in body


@pytest.mark.django_db
def test_category_page_paginates_and_links_pages(store_client):
    lamps = CategoryFactory(name="Lamps", slug="lamps")
    for i in range(30):
        make_product(f"Lamp {i:02d}", category=lamps, sku_prefix=f"LAMP{i}")

    first = store_client.get("/categories/lamps/").content.decode()
    second = store_client.get("/categories/lamps/", {"page": "2"}).content.decode()

    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert "Page 2 of 2" in second
    assert second.count('class="card"') == 6


@pytest.mark.django_db
def test_listing_pages_use_a_bounded_number_of_queries(store_client, django_assert_max_num_queries):
    parent = CategoryFactory(name="Home", slug="home-goods")
    child = CategoryFactory(name="Kitchen", parent=parent)
    for i in range(30):
        make_product(
            f"Kettle {i}", category=child, options={"Color": ["Red", "Blue"]}, sku_prefix=f"K{i}"
        )

    # Cold store caches: the listing's own statements (category, search, cards) plus one read
    # each of what the page's frame caches per store afterwards: host, settings, theme, the
    # header's collections and the live promotion rules.
    with django_assert_max_num_queries(14):
        category = store_client.get("/categories/home-goods/", {"option": "Color:Red"})
    with django_assert_max_num_queries(14):
        search = store_client.get("/search/", {"q": "kettel", "sort": "newest"})

    assert category.status_code == 200 and search.status_code == 200
    assert "Kettle" in search.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"page": "-1"},
        {"page": "abc"},
        {"page": "9" * 40},
        {"min": "abc", "max": "-5"},
        {"min": "NaN", "max": "Infinity"},
        {"min": "1e999999"},
        {"q": "x" * 10_000},
        {"q": "\" -- OR ( ' ; DROP TABLE"},
        {"q": "!!! & | :*"},
        {"option": ["nonsense", ":", "Size:", ":M", "A:" + "b" * 500]},
        {"band": ["zzz", "25-50"], "sort": "bogus", "in_stock": "maybe"},
        {"category": "abc"},
        {"category": "99999999999999999999999"},
    ],
)
def test_nonsense_query_strings_get_a_page_not_an_error(store_client, params):
    CategoryFactory(slug="misc")
    make_product("Anything")

    for path in ("/search/", "/categories/misc/"):
        assert store_client.get(path, params).status_code == 200


@pytest.mark.django_db
def test_a_page_past_the_end_shows_the_last_page(store_client):
    make_product("Only Vase")

    response = store_client.get("/search/", {"q": "vase", "page": "50"})

    assert response.status_code == 200
    assert "Only Vase" in response.content.decode()


@pytest.mark.django_db
def test_sitemap_lists_this_stores_products_and_categories_on_its_host(
    store, store_client, other_store_client
):
    CategoryFactory(slug="decor")
    make_product("Brass Vase")
    make_product("Draft Vase", status="draft")

    index = store_client.get("/sitemap.xml").content.decode()
    products = store_client.get("/sitemap-products.xml").content.decode()
    other = other_store_client.get("/sitemap-products.xml").content.decode()

    assert f"http://{store.primary_host}/sitemap-products.xml" in index
    assert f"http://{store.primary_host}/products/brass-vase/" in products
    assert "draft-vase" not in products
    assert "brass-vase" not in other


@pytest.mark.django_db
def test_robots_txt_points_at_the_sitemap(store, store_client):
    body = store_client.get("/robots.txt").content.decode()

    assert f"Sitemap: http://{store.primary_host}/sitemap.xml" in body


@pytest.mark.django_db
def test_category_page_has_a_canonical_url_on_the_stores_primary_host(store, store_client):
    CategoryFactory(slug="garden")

    body = store_client.get("/categories/garden/", {"sort": "newest"}).content.decode()

    assert f'<link rel="canonical" href="http://{store.primary_host}/categories/garden/">' in body


@pytest.mark.django_db
def test_media_of_another_store_is_not_served(store_client, other_store):
    response = store_client.get(f"/media/{other_store.schema_name}/products/1/x.jpg")

    assert response.status_code == 404
