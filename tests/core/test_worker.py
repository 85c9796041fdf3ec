"""A real worker process runs tasks in the schema of the store that queued them."""

import pytest
from django_tenants.utils import schema_context

from apps.core.tasks import report_schema_task
from tests.celery_worker import running_worker


@pytest.mark.worker
@pytest.mark.django_db
def test_real_worker_runs_interleaved_tasks_in_each_callers_schema(store, other_store):
    with running_worker():
        results = []
        for i in range(6):
            caller = store if i % 2 == 0 else other_store
            with schema_context(caller.schema_name):
                results.append((caller.schema_name, report_schema_task.delay(f"call-{i}")))

        answers = [(expected, result.get(timeout=30)) for expected, result in results]

    for i, (expected_schema, answer) in enumerate(answers):
        assert answer["schema"] == expected_schema
        assert answer["marker"] == f"call-{i}"
        assert answer["users"] == 1  # each store's own owner, committed at session setup
