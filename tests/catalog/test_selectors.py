from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.catalog import selectors, services
from apps.catalog.models import Category, Variant
from tests.factories.catalog import CategoryFactory


def names(categories) -> list[str]:
    return [c.name for c in categories]


@pytest.mark.django_db
def test_storefront_categories_come_from_the_cache_until_a_category_changes(
    django_assert_num_queries,
):
    CategoryFactory(name="Lamps", slug="lamps")
    selectors.list_categories_for_storefront()

    with django_assert_num_queries(0):
        categories = selectors.list_categories_for_storefront()

    assert "Lamps" in names(categories)
    assert next(c for c in categories if c.name == "Lamps").url == "/categories/lamps/"


@pytest.mark.django_db
def test_storefront_categories_follow_creates_renames_and_deletes():
    lamps = CategoryFactory(name="Lamps", slug="lamps")
    assert "Lamps" in names(selectors.list_categories_for_storefront())

    CategoryFactory(name="Rugs", slug="rugs")
    assert "Rugs" in names(selectors.list_categories_for_storefront())

    lamps.name = "Lighting"
    services.save_category(category=lamps, changed_fields=["name"])
    after_rename = names(selectors.list_categories_for_storefront())
    assert "Lighting" in after_rename and "Lamps" not in after_rename

    services.delete_categories(category_ids=[lamps.id])
    assert "Lighting" not in names(selectors.list_categories_for_storefront())


@pytest.mark.django_db
def test_storefront_categories_are_cached_per_store(store, other_store):
    # The same rows in both stores but for the name: only the schema in the cache key tells
    # the two lists apart.
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for schema, name in [(store.schema_name, "Only in A"), (other_store.schema_name, "Only in B")]:
        with schema_context(schema):
            Category.objects.all().delete()
            CategoryFactory(id=990001, name=name, slug="only")
            Category.objects.update(updated_at=stamp)

    with schema_context(store.schema_name):
        in_a = names(selectors.list_categories_for_storefront())
    with schema_context(other_store.schema_name):
        in_b = names(selectors.list_categories_for_storefront())

    assert in_a == ["Only in A"]
    assert in_b == ["Only in B"]


@pytest.mark.django_db
def test_product_cards_keep_the_order_asked_and_skip_what_is_not_sellable(
    django_assert_num_queries,
):
    mug = services.create_product_with_variants(
        name="Stone Mug", category=None, price=Decimal("12.00"), sku_prefix="MUG",
        options={"Size": ["S", "L"]}, brand="Hearth",
    )  # fmt: skip
    draft = services.create_product_with_variants(
        name="Draft Mug", category=None, price=Decimal("9.00"), sku_prefix="DRAFT", status="draft"
    )
    retired = services.create_product_with_variants(
        name="Retired Mug", category=None, price=Decimal("9.00"), sku_prefix="OLD"
    )
    Variant.objects.filter(product=retired).update(active=False)
    cheap = services.create_product_with_variants(
        name="Tin Mug", category=None, price=Decimal("4.50"), sku_prefix="TIN"
    )
    Variant.objects.filter(product=mug, name="L").update(price=Decimal("15.00"))

    with django_assert_num_queries(1):
        cards = selectors.list_product_cards(ids=[cheap.id, draft.id, retired.id, mug.id])

    assert [c.name for c in cards] == ["Tin Mug", "Stone Mug"]
    stone = cards[1]
    assert stone.url == mug.get_absolute_url()
    assert (stone.min_price, stone.variant_count, stone.brand) == (Decimal("12.00"), 2, "Hearth")
    assert stone.image_url is None
