"""The product page does the job: options → generated variants in a grid, stock per location set
there through the inventory ledger, and it stays bounded for a product with many variants."""

import re
from decimal import Decimal

import pytest

from apps.catalog.models import Product
from apps.inventory.models import StockLevel, StockMovement
from tests.factories.catalog import ProductFactory, VariantFactory
from tests.factories.inventory import WarehouseFactory, stock


def _management(prefix: str, total: int, initial: int) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


def _form_data(page_html: str) -> dict:
    """The change form's inputs as the browser would send them (text, number, checked boxes)."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", page_html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="file"' in tag or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ("on" if "checkbox" in tag else "")
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page_html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(2))
        data[select.group(1)] = chosen.group(1) if chosen else ""
    for area in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page_html, re.S):
        data[area.group(1)] = area.group(2).strip()
    return data


@pytest.mark.django_db
def test_new_product_with_options_gets_variants_then_stock_from_the_same_page(owner_client):
    warehouse = WarehouseFactory(name="Main")
    data = {
        "name": "Linen shirt", "slug": "linen-shirt", "status": "active", "brand": "",
        "description": "", "attributes": "{}", "seo_title": "", "seo_description": "",
        "generate_variants": "on", "generated_variant_price": "40.00",
        **_management("options", 1, 0), "options-0-name": "Size",
        "options-0-values_text": "S, M", "options-0-position": "0",
        **_management("variants", 0, 0), **_management("images", 0, 0),
        "_continue": "Save",
    }  # fmt: skip

    created = owner_client.post("/admin/catalog/product/add/", data)

    assert created.status_code == 302, created.content.decode()[:3000]
    product = Product.objects.get(slug="linen-shirt")
    assert sorted(product.variants.values_list("sku", flat=True)) == [
        "LINEN-SHIRT-M", "LINEN-SHIRT-S"
    ]  # fmt: skip
    page = owner_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert "Stock: Main" in page and "View on storefront" in page
    form = _form_data(page)
    small = product.variants.get(sku="LINEN-SHIRT-S")
    row = next(
        k[: -len("-id")]
        for k, v in form.items()
        if k.startswith("variants-") and k.endswith("-id") and v == str(small.pk)
    )
    form[f"{row}-stock_{warehouse.pk}"] = "7"
    form[f"{row}-compare_at_price"] = "50.00"

    saved = owner_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert saved.status_code == 302, saved.content.decode()[:3000]
    level = StockLevel.objects.get(variant=small, warehouse=warehouse)
    assert level.on_hand == 7
    small.refresh_from_db()
    assert small.compare_at_price == Decimal("50.00")
    assert list(StockMovement.objects.filter(variant=small).values_list("delta", "reason")) == [
        (7, StockMovement.Reason.INITIAL)
    ]
    assert not StockLevel.objects.filter(variant__sku="LINEN-SHIRT-M", on_hand__gt=0).exists()


@pytest.mark.django_db
def test_changing_a_stock_cell_records_an_adjustment_and_untouched_cells_write_nothing(
    owner_client,
):
    warehouse = WarehouseFactory(name="Shop")
    variant = VariantFactory(sku="MUG-1")
    other = VariantFactory(product=variant.product, sku="MUG-2")
    stock(variant, warehouse, 10)
    stock(other, warehouse, 3)
    url = f"/admin/catalog/product/{variant.product_id}/change/"
    form = _form_data(owner_client.get(url).content.decode())
    row = next(
        k[: -len("-id")]
        for k, v in form.items()
        if k.startswith("variants-") and k.endswith("-id") and v == str(variant.pk)
    )
    form[f"{row}-stock_{warehouse.pk}"] = "4"
    before = StockMovement.objects.count()

    response = owner_client.post(url, form)

    assert response.status_code == 302
    assert StockLevel.objects.get(variant=variant, warehouse=warehouse).on_hand == 4
    assert StockLevel.objects.get(variant=other, warehouse=warehouse).on_hand == 3
    new = list(StockMovement.objects.order_by("-id")[: StockMovement.objects.count() - before])
    assert [(m.variant_id, m.delta, m.reason) for m in new] == [
        (variant.pk, -6, StockMovement.Reason.ADJUSTMENT)
    ]


@pytest.mark.django_db
def test_product_page_with_100_variants_has_a_bounded_query_count(
    owner_client, django_assert_max_num_queries
):
    WarehouseFactory(name="A")
    WarehouseFactory(name="B")
    small = ProductFactory()
    VariantFactory(product=small)
    big = ProductFactory()
    for _ in range(100):
        VariantFactory(product=big)
    owner_client.get(f"/admin/catalog/product/{small.pk}/change/")
    with django_assert_max_num_queries(60) as few:
        owner_client.get(f"/admin/catalog/product/{small.pk}/change/")

    with django_assert_max_num_queries(60) as many:
        page = owner_client.get(f"/admin/catalog/product/{big.pk}/change/")

    assert page.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert 'class="variant-grid table-scroll"' in page.content.decode()
