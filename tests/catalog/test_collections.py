"""Collections: who is in one, as products change (no rebuild step anywhere)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog import services as catalog_services
from apps.catalog.collections import collection_products_filter, product_ids_in_collection
from apps.catalog.models import Collection, CollectionProduct, CollectionRule, Product, Variant
from tests.factories.catalog import CategoryFactory
from tests.factories.inventory import WarehouseFactory, stock


def make_product(name, *, price="20.00", **kwargs):
    return catalog_services.create_product_with_variants(
        name=name,
        category=kwargs.pop("category", None),
        price=Decimal(price),
        sku_prefix=name.upper().replace(" ", "")[:12],
        **kwargs,
    )


def automated(*rules, match=Collection.Match.ALL, slug="auto"):
    collection = Collection.objects.create(
        name=slug.title(), slug=slug, kind=Collection.Kind.AUTOMATED, match=match
    )
    for position, rule in enumerate(rules):
        CollectionRule.objects.create(collection=collection, position=position, **rule)
    return collection


def ids(collection):
    return list(product_ids_in_collection(collection))


@pytest.mark.django_db
def test_automated_collection_follows_tags_prices_and_archiving_without_a_rebuild():
    summer = automated(
        {"field": CollectionRule.Field.TAG, "value": "summer"},
        {"field": CollectionRule.Field.PRICE, "max_price": Decimal("30.00")},
    )
    tee = make_product("Linen Tee", price="25.00")
    hat = make_product("Straw Hat", price="15.00", tags=["Summer"])

    assert ids(summer) == [hat.id]

    catalog_services.update_product(product_id=tee.id, fields={"tags": ["summer", "linen"]})
    assert sorted(ids(summer)) == sorted([tee.id, hat.id])

    Variant.objects.filter(product=tee).update(price=Decimal("45.00"))
    catalog_services.product_changed(product_id=tee.id)
    assert ids(summer) == [hat.id]

    catalog_services.archive_product(product_id=hat.id)
    assert ids(summer) == []


@pytest.mark.django_db
def test_any_rule_collection_takes_products_matching_either_rule():
    brand_or_tag = automated(
        {"field": CollectionRule.Field.BRAND, "value": "acme"},
        {"field": CollectionRule.Field.TAG, "value": "gift"},
        match=Collection.Match.ANY,
    )
    acme = make_product("Anvil", brand="ACME")
    gift = make_product("Card", tags=["gift"])
    make_product("Plain")

    assert sorted(ids(brand_or_tag)) == sorted([acme.id, gift.id])


@pytest.mark.django_db
def test_category_rule_includes_subcategories_and_option_rule_reads_active_variants():
    apparel = CategoryFactory(name="Apparel")
    tees = CategoryFactory(name="Tees", parent=apparel)
    in_tees = make_product("Tee", category=tees, options={"Size": ["S", "M"]})
    make_product("Mug", category=CategoryFactory(name="Kitchen"), options={"Size": ["M"]})
    in_apparel = automated({"field": CollectionRule.Field.CATEGORY, "category": apparel})
    size_s = automated({"field": CollectionRule.Field.OPTION, "value": "size:s"}, slug="small")

    assert ids(in_apparel) == [in_tees.id]
    assert ids(size_s) == [in_tees.id]

    in_tees.variants.filter(name="S").update(active=False)
    assert ids(size_s) == []


@pytest.mark.django_db
def test_in_stock_and_recent_rules_are_evaluated_now():
    fresh = automated(
        {"field": CollectionRule.Field.IN_STOCK},
        {"field": CollectionRule.Field.CREATED_WITHIN, "days": 30},
    )
    new = make_product("New Lamp")
    old = make_product("Old Lamp")
    Product.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    warehouse = WarehouseFactory()
    for product in (new, old):
        stock(product.variants.get(), warehouse, 3)

    assert ids(fresh) == [new.id]

    Product.objects.filter(pk=new.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert ids(fresh) == []


@pytest.mark.django_db
def test_manual_collection_lists_hand_picked_active_products_in_the_merchants_order():
    first, second, draft = make_product("A"), make_product("B"), make_product("C", status="draft")
    picks = Collection.objects.create(name="Picks", slug="picks")
    for position, product in enumerate([second, draft, first]):
        CollectionProduct.objects.create(collection=picks, product=product, position=position)

    assert ids(picks) == [second.id, first.id]
    assert set(Product.objects.filter(collection_products_filter(picks))) == {
        first,
        second,
        draft,
    }


@pytest.mark.django_db
def test_membership_is_a_subquery_other_apps_can_filter_on(django_assert_num_queries):
    sale = automated({"field": CollectionRule.Field.TAG, "value": "sale"})
    on_sale = make_product("Kettle", tags=["sale"])
    make_product("Toaster")

    with django_assert_num_queries(2):  # the rules, then one statement
        variants = list(Variant.objects.filter(product_id__in=product_ids_in_collection(sale)))

    assert [v.product_id for v in variants] == [on_sale.id]


@pytest.mark.django_db
def test_automated_collection_without_rules_is_empty():
    make_product("Anything")

    assert ids(automated()) == []
