"""The cross-store access detector (apps/observability/crossstore.py, issue #22)."""

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from apps.catalog.models import Product
from apps.observability import crossstore
from apps.orders.models import Order
from tests import conftest


def _detected() -> float:
    return REGISTRY.get_sample_value("mercato_cross_store_queries_total") or 0


@pytest.mark.django_db
def test_a_statement_joining_two_store_schemas_raises_and_is_counted(store, other_store):
    before = _detected()
    statement = (
        f'SELECT a.id FROM "{store.schema_name}".catalog_product a '
        f'JOIN "{other_store.schema_name}".catalog_product b ON b.slug = a.slug'
    )
    conftest.EXPECTED_CROSS_STORE_QUERIES.append(statement)

    with pytest.raises(crossstore.CrossStoreQuery), connection.cursor() as cursor:
        cursor.execute(statement)

    assert _detected() == before + 1


@pytest.mark.django_db
def test_orm_statements_of_the_current_store_pass_unflagged(store):
    before = _detected()

    list(Product.objects.filter(variants__sku="X").values("id", "category__name"))
    list(Order.objects.filter(created_at__year=2026).values("created_at__date"))

    assert _detected() == before


def test_the_rule_flags_another_store_from_a_store_and_allows_one_store_from_public():
    one_store = 'SELECT count(*) FROM "shop_b"."orders_order"'
    two_stores = 'SELECT 1 FROM "shop_a".catalog_product, "shop_b".catalog_product'
    orm_like = 'SELECT "orders_order"."id", EXTRACT(YEAR FROM "orders_order"."created_at")'

    assert crossstore.offending_schemas(one_store, "shop_a") == {"shop_a", "shop_b"}
    assert crossstore.offending_schemas(one_store, "shop_b") == set()
    assert crossstore.offending_schemas(one_store, "public") == set()
    assert crossstore.offending_schemas(two_stores, "public") == {"shop_a", "shop_b"}
    assert crossstore.offending_schemas(orm_like, "shop_a") == set()
    assert crossstore.offending_schemas('SELECT 1 FROM "public".tenants_store', "shop_a") == set()
