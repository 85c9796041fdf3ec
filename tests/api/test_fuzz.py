"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis).

Every generated request, valid or not, must get a non-5xx answer. The suite runs a short pass;
``SCHEMATHESIS_MAX_EXAMPLES=200 make test PYTEST_ARGS=tests/api/test_fuzz.py`` runs a long one.
"""

import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings

from apps.api import services
from apps.api.models import SCOPES
from config.wsgi import application
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import stocked_variant

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))


@pytest.fixture
def api_schema(db, store):
    stocked_variant(stock=50)
    ShippingMethodFactory()
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = application
    # Requests go straight to the WSGI app; keep Django from closing the test's connection
    # at request boundaries (what django.test.Client does too).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_never_answers_with_a_server_error(api_schema, store):
    _, raw = services.create_api_key(name="fuzz", scopes=SCOPES)
    headers = {"Host": store.primary_host, "Authorization": f"Bearer {raw}"}
    calls, server_errors = [], []

    for result in api_schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def exercise(case):
            savepoint = transaction.savepoint()  # each case starts from the same data
            response = case.call(headers=headers)
            transaction.savepoint_rollback(savepoint)
            calls.append(response.status_code)
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            cache.delete_pattern("throttle_*")

        exercise()

    print(f"schemathesis: {len(calls)} requests, {len(server_errors)} server errors")  # noqa: T201
    assert len(calls) >= MAX_EXAMPLES
    assert server_errors == []
