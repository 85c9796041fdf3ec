import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.core import tenancy


@pytest.mark.django_db
def test_commit_hooks_run_in_the_schema_they_were_queued_in(
    other_store, django_capture_on_commit_callbacks
):
    seen = []

    with django_capture_on_commit_callbacks(execute=True):
        with schema_context(other_store.schema_name):
            tenancy.on_commit(lambda: seen.append(connection.schema_name))
        # the transaction commits here, back in the test store's schema

    assert seen == [other_store.schema_name]
