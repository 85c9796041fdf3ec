"""A collection's storefront page: the category listing over the collection's products."""

import json
from decimal import Decimal

import pytest

from apps.catalog import services as catalog_services
from apps.catalog.models import Collection, CollectionProduct, CollectionRule, Variant
from tests.factories.catalog import CategoryFactory


def make_product(name, *, price="20.00", **kwargs):
    return catalog_services.create_product_with_variants(
        name=name,
        category=kwargs.pop("category", None),
        price=Decimal(price),
        sku_prefix=kwargs.pop("sku_prefix", name.upper().replace(" ", "")[:12]),
        **kwargs,
    )


def tag_collection(tag, *, slug=None, **fields):
    collection = Collection.objects.create(
        name=tag.title(), slug=slug or tag, kind=Collection.Kind.AUTOMATED, **fields
    )
    CollectionRule.objects.create(collection=collection, field="tag", value=tag)
    return collection


def card_names(body: str, names: list[str]) -> list[str]:
    """The given product names in the order the page shows them."""
    return sorted((n for n in names if n in body), key=body.index)


@pytest.mark.django_db
def test_automated_collection_page_follows_tag_price_and_archive_changes(store_client):
    tag_collection("summer")
    CollectionRule.objects.create(
        collection=Collection.objects.get(slug="summer"), field="price", max_price=Decimal("30")
    )
    hat = make_product("Straw Hat", price="15.00", tags=["summer"])
    tee = make_product("Linen Tee", price="25.00")

    before = store_client.get("/collections/summer/").content.decode()
    catalog_services.update_product(product_id=tee.id, fields={"tags": ["summer"]})
    tagged = store_client.get("/collections/summer/").content.decode()
    Variant.objects.filter(product=tee).update(price=Decimal("40.00"))
    catalog_services.product_changed(product_id=tee.id)
    repriced = store_client.get("/collections/summer/").content.decode()
    catalog_services.archive_product(product_id=hat.id)
    archived = store_client.get("/collections/summer/").content.decode()

    assert "Straw Hat" in before and "Linen Tee" not in before
    assert "Straw Hat" in tagged and "Linen Tee" in tagged
    assert "Straw Hat" in repriced and "Linen Tee" not in repriced
    assert "Straw Hat" not in archived and "No products match." in archived


@pytest.mark.django_db
def test_manual_collection_page_shows_the_merchants_order_then_sorts_and_filters(store_client):
    names = ["Blue Mug", "Red Mug", "Green Mug"]
    products = [
        make_product(name, price=price, options={"Size": [size]})
        for name, price, size in zip(
            names, ["12.00", "30.00", "8.00"], ["S", "L", "S"], strict=True
        )
    ]
    picks = Collection.objects.create(name="Staff picks", slug="staff-picks")
    for position, index in enumerate([1, 2, 0]):
        CollectionProduct.objects.create(
            collection=picks, product=products[index], position=position
        )
    make_product("Not Picked Mug")

    featured = store_client.get("/collections/staff-picks/").content.decode()
    cheapest = store_client.get("/collections/staff-picks/", {"sort": "price_asc"}).content
    small = store_client.get("/collections/staff-picks/", {"option": "Size:S"}).content.decode()

    assert card_names(featured, names) == ["Red Mug", "Green Mug", "Blue Mug"]
    assert "Not Picked Mug" not in featured and "<strong>Featured</strong>" in featured
    assert card_names(cheapest.decode(), names) == ["Green Mug", "Blue Mug", "Red Mug"]
    assert card_names(small, names) == ["Green Mug", "Blue Mug"]
    assert "Size" in small and "(2)" in small  # the option facet counts within the collection


@pytest.mark.django_db
def test_collection_page_paginates_and_narrows_by_category_in_its_own_url(store_client):
    lamps, vases = CategoryFactory(name="Lamps"), CategoryFactory(name="Vases")
    for i in range(26):
        make_product(f"Lamp {i:02d}", category=lamps, tags=["decor"])
    make_product("Tall Vase", category=vases, tags=["decor"])
    tag_collection("decor")

    first = store_client.get("/collections/decor/").content.decode()
    second = store_client.get("/collections/decor/", {"page": "2"}).content.decode()
    only_vases = store_client.get(
        "/collections/decor/", {"category": str(vases.id)}
    ).content.decode()

    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert second.count('class="card"') == 3
    assert f'href="/collections/decor/?category={vases.id}"' in first
    assert "Tall Vase" in only_vases and "Lamp 01" not in only_vases


@pytest.mark.django_db
def test_collection_page_uses_a_bounded_number_of_queries(
    store_client, django_assert_max_num_queries
):
    kitchen = CategoryFactory(name="Kitchen")
    for i in range(30):
        make_product(
            f"Kettle {i}",
            category=kitchen,
            options={"Color": ["Red", "Blue"]},
            sku_prefix=f"K{i}",
            tags=["kettles"],
        )
    tag_collection("kettles")
    manual = Collection.objects.create(name="Picks", slug="picks")
    manual.products.set(catalog_services.Product.objects.all()[:20])

    store_client.get("/")  # the store's configuration caches (settings, theme, menus) warm
    with django_assert_max_num_queries(10):  # the category page's bound
        category = store_client.get(f"/categories/{kitchen.slug}/", {"option": "Color:Red"})
    with django_assert_max_num_queries(10):
        automated = store_client.get("/collections/kettles/", {"option": "Color:Red"})
    with django_assert_max_num_queries(10):
        hand_picked = store_client.get("/collections/picks/", {"sort": "price_desc"})

    assert category.status_code == automated.status_code == hand_picked.status_code == 200
    assert automated.content.decode().count('class="card"') == 24


@pytest.mark.django_db
def test_collection_page_carries_seo_fields_and_json_ld(store, store_client):
    tag_collection(
        "gifts", seo_title="Gift ideas", seo_description="Presents for everyone.",
        description="Hand-picked gifts.",
    )  # fmt: skip

    body = store_client.get("/collections/gifts/").content.decode()

    assert "<title>Gift ideas · Test Store</title>" in body
    assert '<meta name="description" content="Presents for everyone.">' in body
    assert f'<link rel="canonical" href="http://{store.primary_host}/collections/gifts/">' in body
    assert '<meta property="og:title" content="Gift ideas · Test Store">' in body
    blocks = [
        json.loads(chunk.split(">", 1)[1].split("</script>")[0])
        for chunk in body.split('<script type="application/ld+json"')[1:]
    ]
    assert blocks[0]["@type"] == "CollectionPage" and blocks[0]["name"] == "Gift ideas"
    assert blocks[1]["itemListElement"][1]["item"].endswith("/collections/gifts/")


@pytest.mark.django_db
def test_unpublished_or_unknown_collections_are_not_found(store_client):
    tag_collection("hidden", published=False)

    assert store_client.get("/collections/hidden/").status_code == 404
    assert store_client.get("/collections/nope/").status_code == 404


@pytest.mark.django_db
def test_published_collections_are_in_the_sitemap_header_and_home_page(store, store_client):
    tag_collection("summer")
    tag_collection("secret", published=False)

    index = store_client.get("/sitemap.xml").content.decode()
    sitemap = store_client.get("/sitemap-collections.xml").content.decode()
    home = store_client.get("/").content.decode()

    assert f"http://{store.primary_host}/sitemap-collections.xml" in index
    assert f"http://{store.primary_host}/collections/summer/" in sitemap
    assert "secret" not in sitemap
    assert home.count('href="/collections/summer/"') == 2  # header and the home page's tiles
    assert "/collections/secret/" not in home


@pytest.mark.django_db
def test_search_filter_by_collection_keeps_the_filter_on_its_links(store_client):
    make_product("Linen Tee", tags=["summer"], options={"Size": ["S", "M"]})
    make_product("Wool Tee", options={"Size": ["S"]})
    tag_collection("summer")

    within = store_client.get("/search/", {"q": "tee", "collection": "summer"}).content.decode()
    unknown = store_client.get("/search/", {"q": "tee", "collection": "nope"}).content.decode()

    assert "Linen Tee" in within and "Wool Tee" not in within
    assert "In the collection" in within
    assert "collection=summer&amp;q=tee&amp;option=Size%3AM" in within
    assert '<input type="hidden" name="collection" value="summer">' in within
    assert "Linen Tee" in unknown and "Wool Tee" in unknown
