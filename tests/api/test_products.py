import pytest

from apps.catalog.models import Product
from apps.inventory.models import StockLevel, StockMovement
from tests.factories.catalog import CategoryFactory, ProductFactory, VariantFactory
from tests.factories.inventory import WarehouseFactory
from tests.shopping import stocked_variant

NEW_PRODUCT = {
    "name": "Linen Shirt",
    "status": "active",
    "variants": [
        {"sku": "LIN-S", "price": "49.00", "options": {"Size": "S"}, "stock": [{"quantity": 4}]},
        {"sku": "LIN-M", "price": "49.00", "options": {"Size": "M"}},
    ],
}


@pytest.mark.django_db
def test_create_product_with_variants_and_stock(api):
    WarehouseFactory()

    response = api.post("/api/v1/products", NEW_PRODUCT, format="json")

    body = response.json()
    assert response.status_code == 201, body
    assert [v["sku"] for v in body["variants"]] == ["LIN-S", "LIN-M"]
    assert body["variants"][0]["options"] == {"Size": "S"}
    assert body["variants"][0]["available"] == 4
    assert StockMovement.objects.get().reason == "restock"


@pytest.mark.django_db
def test_duplicate_sku_is_a_409_conflict_and_creates_nothing(api):
    VariantFactory(sku="LIN-S")

    response = api.post("/api/v1/products", NEW_PRODUCT, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "sku" in str(response.json()["error"]["fields"])
    assert not Product.objects.filter(name="Linen Shirt").exists()


@pytest.mark.django_db
def test_patch_ignores_read_only_fields(api):
    product = ProductFactory(name="Old")

    response = api.patch(
        f"/api/v1/products/{product.id}",
        {"name": "New", "id": 999, "rating_avg": "5.00", "created_at": "2000-01-01T00:00:00Z"},
        format="json",
    )

    product.refresh_from_db()
    assert response.status_code == 200
    assert (product.id, product.name, str(product.rating_avg)) == (product.id, "New", "0.00")


@pytest.mark.django_db
def test_delete_archives_the_product(api):
    product = ProductFactory()

    response = api.delete(f"/api/v1/products/{product.id}")

    product.refresh_from_db()
    assert response.status_code == 204
    assert product.status == Product.Status.ARCHIVED


@pytest.mark.django_db
def test_storefront_clients_read_only_active_products(anonymous_api):
    active = VariantFactory().product
    draft = VariantFactory(product=ProductFactory(status="draft")).product

    listed = anonymous_api.get("/api/v1/products").json()["results"]

    assert [p["id"] for p in listed] == [active.id]
    assert anonymous_api.get(f"/api/v1/products/{draft.id}").status_code == 404
    assert anonymous_api.post("/api/v1/products", NEW_PRODUCT, format="json").status_code == 401


@pytest.mark.django_db
def test_product_and_category_lists_are_bounded_in_queries(api, django_assert_max_num_queries):
    for _ in range(10):
        product = ProductFactory(category=CategoryFactory())
        VariantFactory(product=product)
        VariantFactory(product=product)

    with django_assert_max_num_queries(10):  # auth, key use, page, variants, values, stock
        products = api.get("/api/v1/products")
    with django_assert_max_num_queries(5):
        categories = api.get("/api/v1/categories")

    assert len(products.json()["results"]) == 10
    assert len(categories.json()["results"]) == 10


@pytest.mark.django_db
def test_inventory_restock_and_adjustment_go_through_the_ledger(api):
    variant = stocked_variant(stock=5)
    url = f"/api/v1/products/{variant.product_id}/inventory"

    restocked = api.post(url, {"variant_id": variant.id, "quantity": 3, "reason": "restock"},
                         format="json")  # fmt: skip
    adjusted = api.post(url, {"variant_id": variant.id, "quantity": -2, "reason": "adjustment"},
                        format="json")  # fmt: skip
    looked_up = api.get("/api/v1/inventory", {"sku": variant.sku})

    assert restocked.status_code == 200 and restocked.json()[0]["on_hand"] == 8
    assert adjusted.json()[0]["on_hand"] == 6
    assert looked_up.json()["results"][0]["available"] == 6
    assert StockLevel.objects.get(variant=variant).on_hand == sum(
        StockMovement.objects.filter(variant=variant).values_list("delta", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"variant_id": 1, "quantity": 0, "reason": "restock"},
        {"variant_id": 1, "quantity": -3, "reason": "restock"},
        {"variant_id": 1, "quantity": 2.5, "reason": "restock"},
        {"variant_id": 1, "quantity": 10**9, "reason": "restock"},
        {"variant_id": 1, "quantity": 1, "reason": "theft"},
    ],
)
def test_bad_inventory_changes_are_400_and_change_nothing(api, payload):
    variant = stocked_variant(stock=5)

    response = api.post(
        f"/api/v1/products/{variant.product_id}/inventory",
        {**payload, "variant_id": variant.id},
        format="json",
    )

    assert response.status_code == 400
    assert StockLevel.objects.get(variant=variant).on_hand == 5


@pytest.mark.django_db
def test_removing_more_than_unreserved_stock_is_409(api):
    variant = stocked_variant(stock=2)

    response = api.post(
        f"/api/v1/products/{variant.product_id}/inventory",
        {"variant_id": variant.id, "quantity": -3, "reason": "adjustment"},
        format="json",
    )

    assert response.status_code == 409


@pytest.mark.django_db
def test_inventory_lookup_query_count_is_bounded(api, django_assert_max_num_queries):
    variant = stocked_variant(stock=5)
    for _ in range(4):
        stocked_variant(stock=1, warehouse=None)
    from apps.inventory import services as inventory_services

    for _ in range(5):
        inventory_services.receive_stock(
            variant_id=variant.id, warehouse_id=WarehouseFactory().id, quantity=1
        )

    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/inventory", {"sku": variant.sku})

    assert len(response.json()["results"]) == 6


@pytest.mark.django_db
def test_inventory_counts_expired_holds_as_free_like_the_storefront(api):
    from apps.inventory import selectors as inventory_selectors
    from apps.inventory import services as inventory_services
    from tests.factories.inventory import expire_reservations

    variant = stocked_variant(stock=3)
    inventory_services.reserve(reference="checkout:gone", lines=[(variant.id, 3)])
    held = api.get("/api/v1/inventory", {"sku": variant.sku}).json()["results"][0]
    expire_reservations("checkout:gone")

    expired = api.get("/api/v1/inventory", {"sku": variant.sku}).json()["results"][0]

    assert held["available"] == 0
    assert (expired["reserved"], expired["available"]) == (3, 3)
    assert inventory_selectors.get_available_by_variant([variant.id]) == {variant.id: 3}
