"""Store creation at any fleet size: pooled schemas claimed by a rename, the DDL-replay clone
as the fallback (apps/tenants/schema_pool.py, apps/tenants/template_schema.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from apps.tenants import fleet, schema_pool, services, template_schema
from apps.tenants.models import PooledSchema, SchemaState

pytestmark = pytest.mark.django_db

PASSWORD = "Another-pass-2026"


def _open(slug: str, **extra):
    return services.create_store(
        name="Pool Shop",
        slug=slug,
        owner_email=f"owner@{slug}.test",
        owner_password=PASSWORD,
        **extra,
    )


def test_a_signup_claims_a_pooled_schema_by_renaming_it(public_schema):
    assert schema_pool.top_up(1) == 1
    pooled = PooledSchema.objects.get().schema_name
    assert schema_exists(pooled)

    store = _open("poolshop")

    assert not PooledSchema.objects.exists()
    assert not schema_exists(pooled)
    assert schema_exists("poolshop")
    with schema_context(store.schema_name):
        assert get_user_model().objects.get().email == "owner@poolshop.test"
        # The clone's sequences continue after the template's rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            assert cursor.fetchone()[0] > 50
    state = SchemaState.objects.get(schema_name="poolshop")
    assert state.fingerprint == fleet.code_fingerprint()  # a copy of the current template


def test_an_empty_pool_falls_back_to_a_direct_clone_with_the_defaults(public_schema):
    schema_pool.drain()

    store = _open("clonedshop", country="DE", currency="EUR")

    assert schema_exists("clonedshop")
    with schema_context(store.schema_name):
        from apps.checkout.models import ShippingZone, TaxRate
        from apps.inventory.models import Warehouse

        assert Warehouse.objects.get().name == "Main warehouse"
        assert ShippingZone.objects.count() == 1
        assert TaxRate.objects.get().country == "DE"
    assert SchemaState.objects.filter(schema_name="clonedshop").exists()


def test_schemas_of_an_older_template_are_never_claimed_and_get_dropped(public_schema):
    schema_pool.top_up(1)
    stale = PooledSchema.objects.get()
    PooledSchema.objects.filter(pk=stale.pk).update(fingerprint="older-template")

    store = _open("freshshop")  # cloned, not the stale schema

    assert schema_exists(stale.schema_name)
    assert store.schema_name == "freshshop"
    with connection.cursor() as cursor:  # its rows' FK checks, deferred in this test's transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert schema_pool.discard_stale() == 1
    assert not schema_exists(stale.schema_name)


def test_the_replayed_clone_matches_the_template_relation_for_relation(public_schema):
    schema_pool.drain()
    template_schema.clone_template_schema("replayed")

    def relations(schema: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, c.relkind FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
                "ORDER BY 1",
                [schema],
            )
            return cursor.fetchall()

    assert relations("replayed") == relations(template_schema.template_schema_name())
