from decimal import Decimal

import pytest

from apps.catalog import services as catalog_services
from apps.catalog.models import Collection, CollectionRule


def make_product(name, **kwargs):
    return catalog_services.create_product_with_variants(
        name=name, category=None, price=Decimal(kwargs.pop("price", "20.00")),
        sku_prefix=name.upper()[:10], **kwargs,
    )  # fmt: skip


def automated(rule: dict) -> dict:
    return {"name": "X", "kind": "automated", "rules": [rule]}


@pytest.mark.django_db
def test_merchant_creates_an_automated_collection_and_reads_its_products(api):
    tagged = make_product("Straw Hat", tags=["summer"])
    make_product("Wool Hat")

    response = api.post(
        "/api/v1/collections",
        {
            "name": "Summer",
            "kind": "automated",
            "rules": [{"field": "tag", "value": "Summer"}, {"field": "price", "max_price": "30"}],
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["slug"] == "summer" and body["url"] == "/collections/summer/"
    assert [r["value"] for r in body["rules"]] == ["summer", ""]
    assert body["product_count"] == 1
    assert body["products"] == [
        {"id": tagged.id, "name": "Straw Hat", "slug": "straw-hat", "url": "/products/straw-hat/"}
    ]


@pytest.mark.django_db
def test_manual_collection_keeps_the_order_given_and_patch_replaces_it(api):
    a, b, c = make_product("Alpha"), make_product("Beta"), make_product("Gamma")
    created = api.post(
        "/api/v1/collections",
        {"name": "Picks", "product_ids": [b.id, a.id]},
        format="json",
    ).json()

    patched = api.patch(
        f"/api/v1/collections/{created['id']}",
        {"product_ids": [c.id, b.id, a.id], "seo_title": "Our picks"},
        format="json",
    ).json()

    assert [p["id"] for p in created["products"]] == [b.id, a.id]
    assert [p["id"] for p in patched["products"]] == [c.id, b.id, a.id]
    assert patched["seo_title"] == "Our picks"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload, field",
    [
        (automated({"field": "tag"}), "rules"),
        (automated({"field": "category", "category_id": 999}), "rules"),
        (automated({"field": "price", "min_price": "9", "max_price": "1"}), "rules"),
        (automated({"field": "option", "value": "nocolon"}), "rules"),
        ({"name": "X", "rules": [{"field": "in_stock"}]}, "rules"),
        ({"name": "X", "kind": "automated", "product_ids": [1]}, "product_ids"),
        ({"name": "X", "product_ids": [999999]}, "product_ids"),
        ({"name": "!!!"}, "slug"),
        ({"name": "X", "kind": "sometimes"}, "kind"),
    ],
)  # fmt: skip
def test_bad_collections_are_400_with_the_field_named_and_nothing_created(api, payload, field):
    response = api.post("/api/v1/collections", payload, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Collection.objects.exists()


@pytest.mark.django_db
def test_a_taken_slug_is_a_409(api):
    Collection.objects.create(name="Sale", slug="sale")

    response = api.post("/api/v1/collections", {"name": "Sale"}, format="json")

    assert response.status_code == 409  # a clash with existing data, as for products
    assert "slug" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_storefront_clients_read_published_collections_only_and_cannot_write(anonymous_api):
    Collection.objects.create(name="Public", slug="public-picks")
    hidden = Collection.objects.create(name="Hidden", slug="hidden", published=False)

    listed = anonymous_api.get("/api/v1/collections").json()["results"]
    detail = anonymous_api.get(f"/api/v1/collections/{hidden.id}")
    write = anonymous_api.post("/api/v1/collections", {"name": "Nope"}, format="json")

    assert [c["slug"] for c in listed] == ["public-picks"]
    assert detail.status_code == 404
    assert write.status_code in (401, 403)


@pytest.mark.django_db
def test_a_read_only_key_cannot_change_collections(make_api_client):
    client = make_api_client(scopes=["products:read"])
    collection = Collection.objects.create(name="Sale", slug="sale")

    response = client.delete(f"/api/v1/collections/{collection.id}")

    assert response.status_code == 403
    assert Collection.objects.filter(pk=collection.pk).exists()


@pytest.mark.django_db
def test_products_carry_tags_and_filter_by_tag_and_collection(api):
    hat = make_product("Straw Hat", tags=["summer", "gift"])
    make_product("Wool Hat")
    collection = Collection.objects.create(name="Gifts", slug="gifts", kind="automated")
    CollectionRule.objects.create(collection=collection, field="tag", value="gift")

    patched = api.patch(
        f"/api/v1/products/{hat.id}", {"tags": [" Summer ", "BEACH", "summer"]}, format="json"
    ).json()
    by_tag = api.get("/api/v1/products", {"tag": "Beach"}).json()["results"]
    in_gifts = api.get("/api/v1/products", {"collection": collection.id}).json()["results"]
    unknown = api.get("/api/v1/products", {"collection": 99999999}).json()["results"]

    assert patched["tags"] == ["summer", "beach"]
    assert [p["id"] for p in by_tag] == [hat.id]
    assert in_gifts == []  # the gift tag was replaced by the PATCH
    assert unknown == []


@pytest.mark.django_db
def test_delete_removes_the_collection_but_not_its_products(api):
    product = make_product("Kept")
    collection = Collection.objects.create(name="Gone", slug="gone")
    collection.products.add(product)

    response = api.delete(f"/api/v1/collections/{collection.id}")

    assert response.status_code == 204
    assert not Collection.objects.exists()
    product.refresh_from_db()
