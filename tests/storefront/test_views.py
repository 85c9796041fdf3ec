from decimal import Decimal

import pytest

from apps.inventory import services as inventory_services
from tests.factories.catalog import CategoryFactory, ProductFactory, VariantFactory
from tests.factories.inventory import WarehouseFactory


@pytest.mark.django_db
def test_home_shows_active_products_only(store_client):
    VariantFactory(product=ProductFactory(name="Visible Lamp"))
    VariantFactory(product=ProductFactory(name="Draft Lamp", status="draft"))

    response = store_client.get("/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Visible Lamp" in body
    assert "Draft Lamp" not in body


@pytest.mark.django_db
def test_product_page_shows_price_and_availability_in_bounded_queries(
    store_client, django_assert_max_num_queries
):
    warehouse = WarehouseFactory()
    product = ProductFactory(slug="desk-lamp", name="Desk Lamp")
    variants = [VariantFactory(product=product, price=Decimal("49.00")) for _ in range(12)]
    inventory_services.receive_stock(
        variant_id=variants[0].id, warehouse_id=warehouse.id, quantity=3
    )

    store_client.get("/products/desk-lamp/")  # warms the per-store caches (routing, recs)
    with django_assert_max_num_queries(10):
        response = store_client.get("/products/desk-lamp/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "49.00" in body
    assert "Only 3 left" in body
    assert "Out of stock" in body


@pytest.mark.django_db
def test_category_page_lists_products_of_subcategories(store_client):
    parent = CategoryFactory(slug="furniture", name="Furniture")
    child = CategoryFactory(slug="chairs", name="Chairs", parent=parent)
    VariantFactory(product=ProductFactory(name="Oak Chair", category=child))

    response = store_client.get("/categories/furniture/")

    assert response.status_code == 200
    assert "Oak Chair" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/products/no-such-thing/", "/categories/no-such-thing/"])
def test_unknown_slugs_are_404(store_client, path):
    assert store_client.get(path).status_code == 404


@pytest.mark.django_db
def test_category_page_survives_nonsense_page_numbers(store_client):
    CategoryFactory(slug="misc")

    for page in ["-1", "abc", "999999", "1" * 500]:
        assert store_client.get(f"/categories/misc/?page={page}").status_code == 200
