import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.catalog.models import Product, Variant
from apps.demo import seeding
from apps.inventory.models import StockLevel, StockMovement


@pytest.mark.django_db
def test_demo_catalog_has_about_fifty_products_with_variants_and_stock():
    count = seeding.seed_catalog(rng=random.Random(2026))

    assert 45 <= count <= 60
    assert Product.objects.filter(status=Product.Status.ACTIVE).count() == count
    assert Variant.objects.count() > count  # options make several variants per product
    on_hand = StockLevel.objects.aggregate(total=Sum("on_hand"))["total"]
    assert on_hand > 0
    assert StockMovement.objects.aggregate(total=Sum("delta"))["total"] == on_hand


@pytest.mark.django_db
def test_demo_orders_go_through_checkout_and_keep_the_ledger_whole():
    from apps.checkout import promotions as promotion_services
    from apps.demo import orders as demo_orders
    from apps.orders.models import Order

    rng = random.Random(7)
    seeding.seed_catalog(rng=rng)
    demo_orders.seed_checkout_rules()

    made = demo_orders.seed_orders(rng=rng, count=20)

    promotions = promotion_services.list_promotion_rules()
    assert sorted(rule.name for rule in promotions) == [
        "20 % off hoodies", "Mugs: buy 2, get 1 free",
    ]  # fmt: skip
    statuses = set(Order.objects.values_list("status", flat=True))
    assert made == Order.objects.count() >= 15
    assert {"paid", "fulfilled"} <= statuses
    on_hand = StockLevel.objects.aggregate(total=Sum("on_hand"))["total"]
    assert StockMovement.objects.aggregate(total=Sum("delta"))["total"] == on_hand


def test_demo_store_is_created_whole_and_committed(django_db_setup, django_db_blocker):
    from django.db import connection
    from django_tenants.utils import get_public_schema_name, schema_context

    from apps.catalog.models import Product
    from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate
    from apps.inventory.models import Warehouse
    from apps.markets.models import Market
    from apps.orders.models import Order
    from apps.tenants.models import Store

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        store = seeding.create_demo_store()
        try:
            with schema_context(store.schema_name):
                products = Product.objects.count()
                paid = Order.objects.filter(paid_at__isnull=False).count()
                warehouses = sorted(Warehouse.objects.values_list("name", flat=True))
                us_zones = list(
                    ShippingZone.objects.filter(countries__contains=["US"]).values_list(
                        "name", flat=True
                    )
                )
                us_methods = sorted(
                    ShippingMethod.objects.filter(zone__countries__contains=["US"]).values_list(
                        "name", flat=True
                    )
                )
                us_taxes = list(TaxRate.objects.filter(country="US").values_list("name", "rate"))
                markets = dict(Market.objects.values_list("currency", "rounding"))
        finally:
            with schema_context(get_public_schema_name()):
                Store.objects.get(pk=store.pk).delete(force_drop=True)

    assert products >= 45
    assert paid > 10
    # The store's defaults became the demo's rules: nothing exists twice.
    assert warehouses == ["Main warehouse", "Overflow warehouse"]
    assert us_zones == ["United States"]
    assert us_methods == ["Express (1–2 days)", "Standard (3–5 days)"]
    assert us_taxes == [("Sales tax", Decimal("0.0700"))]
    assert markets == {"EUR": "0.99", "GBP": "0.95", "JPY": "whole"}


@pytest.mark.django_db
def test_demo_has_tagged_products_a_manual_and_two_automated_collections(store_client):
    from apps.catalog.collections import product_ids_in_collection
    from apps.catalog.models import Collection
    from apps.demo import merchandising

    seeding.seed_catalog(rng=random.Random(2026))
    merchandising.seed_collections()

    sizes = {c.slug: len(product_ids_in_collection(c)) for c in Collection.objects.all()}
    home = store_client.get("/").content.decode()
    assert Product.objects.filter(tags__contains=["summer"]).exists()
    assert Collection.objects.get(slug="staff-picks").kind == Collection.Kind.MANUAL
    assert sizes["staff-picks"] == merchandising.STAFF_PICKS
    assert sizes["summer-edit"] > 0 and sizes["gifts-under-25"] > 0
    for slug in sizes:
        assert f'href="/collections/{slug}/"' in home
        assert store_client.get(f"/collections/{slug}/").status_code == 200
