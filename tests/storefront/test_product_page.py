from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.catalog import services as catalog_services
from apps.catalog import thumbnails
from apps.inventory import services as inventory_services
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.inventory import WarehouseFactory
from tests.shopping import stocked_variant


def png_upload(name="photo.png", size=(800, 600)) -> SimpleUploadedFile:
    from io import BytesIO

    buffer = BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_product_page_stays_within_ten_queries_however_many_variants(
    store_client, django_assert_max_num_queries
):
    top = CategoryFactory(name="Apparel", slug="apparel")
    mid = CategoryFactory(name="Tops", slug="tops", parent=top)
    leaf = CategoryFactory(name="Tees", slug="tees", parent=mid)
    product = catalog_services.create_product_with_variants(
        name="Big Tee",
        category=leaf,
        price=Decimal("25.00"),
        compare_at_price=Decimal("35.00"),
        sku_prefix="BIG",
        options={"Size": ["XS", "S", "M", "L", "XL", "XXL"], "Color": list("ABCDEFGH")},
    )
    for i in range(3):
        catalog_services.add_product_image(product=product, image=png_upload(f"p{i}.png"))
    warehouse = WarehouseFactory()
    inventory_services.receive_stock(
        variant_id=product.variants.first().id, warehouse_id=warehouse.id, quantity=2
    )

    store_client.get("/products/big-tee/")  # warms the per-store caches (routing, recs)
    with django_assert_max_num_queries(10):
        response = store_client.get("/products/big-tee/")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('name="option-size"') == 6 and body.count('name="option-color"') == 8
    assert body.count('"id":') >= 48  # every variant in the picker's data
    assert "Only 2 left" in body
    assert "data-compare-at>35.00" in body
    assert (
        'Apparel</a> › <a href="/categories/tops/">Tops</a> › <a href="/categories/tees/">' in body
    )


@pytest.mark.django_db
def test_variant_picker_shows_the_chosen_variants_price_without_javascript(store_client):
    product = catalog_services.create_product_with_variants(
        name="Poster", category=None, price=Decimal("19.00"), sku_prefix="PST",
        options={"Size": ["A3", "A2"]},
    )  # fmt: skip
    a2 = product.variants.get(name="A2")
    a2.price = Decimal("29.00")
    a2.save()

    response = store_client.get("/products/poster/", {"variant": str(a2.id)})

    body = response.content.decode()
    assert "<span data-price>29.00" in body
    assert f'data-value="{a2.option_values.get().id}" checked' in body


@pytest.mark.django_db
def test_product_page_shows_thumbnails_once_they_are_made(store_client):
    product = catalog_services.create_product_with_variants(
        name="Vase", category=None, price=Decimal("9.00"), sku_prefix="VASE"
    )
    image = catalog_services.add_product_image(product=product, image=png_upload())
    before = store_client.get("/products/vase/").content.decode()

    thumbnails.make_thumbnails(image_id=image.id)

    after = store_client.get("/products/vase/").content.decode()
    assert "being prepared" in before
    assert "-medium.jpg" in after


@pytest.mark.django_db
def test_product_page_has_canonical_url_and_seo_fields(store, store_client):
    product = catalog_services.create_product_with_variants(
        name="Lamp", category=None, price=Decimal("9.00"), sku_prefix="LAMP"
    )
    product.seo_title = "The best lamp"
    product.seo_description = "Bright and warm."
    product.save()

    body = store_client.get("/products/lamp/").content.decode()

    assert f'<link rel="canonical" href="http://{store.primary_host}/products/lamp/">' in body
    assert "<title>The best lamp · Test Store</title>" in body
    assert '<meta name="description" content="Bright and warm.">' in body


@pytest.mark.django_db
def test_draft_and_archived_product_pages_are_404(store_client):
    catalog_services.create_product_with_variants(
        name="Secret", category=None, price=Decimal("9.00"), sku_prefix="S", status="draft"
    )

    assert store_client.get("/products/secret/").status_code == 404


@pytest.mark.django_db
def test_a_product_page_miss_on_warm_caches_is_one_stock_query(
    store, store_client, django_assert_num_queries
):
    category = CategoryFactory()
    shown = stocked_variant(product=ProductFactory(category=category))
    for _ in range(4):  # the recommendations' fallbacks: the same category
        stocked_variant(product=ProductFactory(category=category))
    url = shown.product.get_absolute_url()
    store_client.get(f"{url}?warm=1")  # structure, recommendations, fragments cached

    with django_assert_num_queries(1):  # free units of its variants and the recommended ones
        response = store_client.get(f"{url}?miss=1")

    assert response["X-Page-Cache"] == "miss"
    assert 'data-widget="bought_together"' in response.content.decode()
