"""``migrate_fleet``: stores already current are skipped (their state is read from the public
schema), stale ones are migrated, a failing store is listed without stopping the fleet, and a
second run resumes with what is left."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.tenants import fleet, sql, template_schema
from apps.tenants.models import SchemaState, Store


def _state(schema: str) -> SchemaState:
    return SchemaState.objects.get(schema_name=schema)


@pytest.mark.django_db
def test_the_fingerprint_is_the_code_s_migrations_and_new_stores_inherit_it(public_schema):
    code = fleet.code_fingerprint()
    assert len(code) == 32
    assert fleet.template_is_current(code)  # recorded by migrate_schemas at setup
    assert fleet.pending_stores(code) == []
    fleet.record(["teststore"], fingerprint="older")
    assert fleet.pending_stores(code) == ["teststore"]
    assert fleet.status_counts(code)["pending"] == 1


# Committed stores (no django_db): the migration commits and closes its connection.
def test_a_fleet_run_skips_current_stores_migrates_stale_ones_and_lists_failures(
    committed_store, django_db_blocker, capsys
):
    code = fleet.code_fingerprint()
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        assert fleet.pending_stores(code) == []  # new stores are copies of the template
        # A second store whose schema is gone: its migration fails.
        broken = Store(schema_name="brokenfleet", name="Broken")
        broken.auto_create_schema = False
        broken.save(verbosity=0)
        try:
            fleet.record([committed_store.schema_name, "brokenfleet"], fingerprint="older")
            assert fleet.pending_stores(code) == [committed_store.schema_name, "brokenfleet"]

            with pytest.raises(CommandError, match="1 stores failed"):
                call_command("migrate_fleet", processes=1, no_pool=True, skip_public=True)
            out = capsys.readouterr()
            assert "2 stores to migrate" in out.out
            assert "brokenfleet" in out.err

            connection.set_schema_to_public()
            assert _state(committed_store.schema_name).fingerprint == code
            assert _state(committed_store.schema_name).status == "current"
            assert _state("brokenfleet").status == "failed"
            assert fleet.pending_stores(code) == ["brokenfleet"]

            # Repaired, the next run resumes with the failed store only.
            template_schema.clone_template_schema("brokenfleet")
            call_command("migrate_fleet", processes=1, no_pool=True, skip_public=True)
            assert "1 stores to migrate" in capsys.readouterr().out
            connection.set_schema_to_public()
            assert fleet.pending_stores(code) == []
            assert _state("brokenfleet").status == "current"

            # Nothing left: a run visits no store.
            call_command("migrate_fleet", processes=1, no_pool=True, skip_public=True)
            assert "0 stores to migrate" in capsys.readouterr().out
        finally:
            connection.set_schema_to_public()
            sql.drop_schema("brokenfleet")
            Store.objects.filter(schema_name="brokenfleet").delete()
            SchemaState.objects.filter(schema_name="brokenfleet").delete()
            connection.set_tenant(committed_store)
