"""Shared test infrastructure.

- Two stores (``store`` and ``other_store``) are created once per session, committed, right after
  pytest-django has migrated the test database; every ``django_db`` test runs inside the
  ``store``'s schema and is rolled back at the end.
- ``public_schema`` switches a test to the platform's schema.
- ``store_client`` / ``other_store_client`` are test clients bound to each store's host.
- ``committed_store`` opens a throw-away store whose writes are really committed (for tests that
  use several connections or a real worker); it is dropped afterwards. ``signup_slug`` names a
  store a test opens through a server's signup page, and drops it afterwards.
"""

import itertools
import os

import pytest
import redis.connection
from django.db import connection
from django.test import Client
from django.test.utils import override_settings, setup_databases, teardown_databases
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.core import store_cache
from apps.recommendations import tracking
from apps.tenants import services as tenant_services
from apps.tenants.models import Store

TEST_PASSWORD = "Test-pass-2026!"
STORE_SPEC = {"name": "Test Store", "slug": "teststore", "owner_email": "owner@teststore.test"}
OTHER_STORE_SPEC = {"name": "Other Store", "slug": "otherstore", "owner_email": "owner@other.test"}
_committed_store_numbers = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Hash test passwords with a fast hasher, as Django advises for test suites: Argon2 costs
    about 0.1 s of CPU per password and the suite creates hundreds of accounts (store owners,
    staff, customers). Logins and password checks behave the same."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# Web servers and Celery workers that tests start inherit this: a cross-store statement there
# is an error answer or a failed task, which the test sees.
os.environ.setdefault("CROSS_STORE_QUERIES_RAISE", "1")

# Statements the tests run on purpose to prove the cross-store detector raises: the session
# check below allows exactly these (tests/observability/test_cross_store.py appends to it).
EXPECTED_CROSS_STORE_QUERIES: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _no_cross_store_queries():
    """The cross-store detector raises in tests, and its counter stays at zero over the run
    (apps/observability/crossstore.py): no code path of the suite joins two stores."""
    from prometheus_client import REGISTRY

    with override_settings(CROSS_STORE_QUERIES_RAISE=True):
        yield
    seen = REGISTRY.get_sample_value("mercato_cross_store_queries_total") or 0
    assert seen == len(EXPECTED_CROSS_STORE_QUERIES), (
        f"{seen:.0f} cross-store statements, expected {EXPECTED_CROSS_STORE_QUERIES}"
    )


@pytest.fixture(scope="session", autouse=True)
def _plain_http():
    """The test client speaks plain HTTP with DEBUG off: the suite opts out of the HTTPS-only
    settings explicitly, as any plain-HTTP rig must (PLAIN_HTTP=1; tests/live_server.py does
    the same for its gunicorn servers). The platform admin's two-factor requirement (on with
    DEBUG off) is off too; tests/accounts/test_two_factor.py turns it on where it is the
    subject."""
    with override_settings(
        PLAIN_HTTP=True,
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        PLATFORM_ADMIN_REQUIRE_2FA=False,
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_fast_password_hashing, django_db_setup, django_db_blocker, request):
    with django_db_blocker.unblock():
        own_test_database = _ensure_test_database(request)
        _forget_cached_routing()
        for spec in (STORE_SPEC, OTHER_STORE_SPEC):
            # Empty stores: each test builds the warehouses, shipping and tax rules it uses.
            tenant_services.create_store(**spec, owner_password=TEST_PASSWORD, with_defaults=False)
        # Their owners confirmed their email (live payments allowed where the platform takes
        # them); tests of confirmation itself unset it in their own transaction.
        Store.objects.update(owner_email_confirmed_at=timezone.now())
    yield
    if own_test_database:
        with django_db_blocker.unblock():
            teardown_databases(own_test_database, verbosity=0)


def _ensure_test_database(request):
    """Set up the test database when pytest-django did not; return its config to tear down.

    pytest-django creates it only if a selected test uses the ``django_db`` marker or the
    ``db`` fixture. A run of ``committed_store`` tests alone (``pytest -k fifty``) would
    otherwise create the session stores in the real DATABASE_URL database.

    The check is the one pytest-django makes (``_get_databases_for_test``). Comparing the
    connection's name with ``_get_test_db_name()`` does not work: once pytest-django has
    renamed the connection to ``test_<name>``, that gives ``test_test_<name>``, and every
    serial run created and migrated a second test database.
    """
    db_fixtures = {"db", "transactional_db", "live_server"}
    if any(
        item.get_closest_marker("django_db") or db_fixtures & set(getattr(item, "fixturenames", ()))
        for item in request.session.items
    ):
        return None
    return setup_databases(
        verbosity=request.config.option.verbose, interactive=False, aliases={"default"}
    )


def _forget_cached_routing() -> None:
    """Host → store entries cached by an earlier run against this Redis point at dead rows."""
    from django.core.cache import cache
    from django_tenants.utils import schema_context

    with schema_context(get_public_schema_name()):
        cache.delete_pattern("routing:host:*")


@pytest.fixture(scope="session")
def store(django_db_setup, django_db_blocker) -> Store:
    with django_db_blocker.unblock():
        return Store.objects.get(schema_name=STORE_SPEC["slug"])


@pytest.fixture(scope="session")
def other_store(django_db_setup, django_db_blocker) -> Store:
    with django_db_blocker.unblock():
        return Store.objects.get(schema_name=OTHER_STORE_SPEC["slug"])


@pytest.fixture(autouse=True)
def _run_in_store_schema(request):
    """Point every database test at the session store; back to public afterwards."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    store = request.getfixturevalue("store")
    request.getfixturevalue("db")
    # Cached store configuration was built from rows an earlier test rolled back; rate-limit
    # counters (apps/core/throttling.py) of earlier tests would throttle this one.
    from django.core.cache import cache

    connection.set_schema_to_public()
    cache.delete_pattern("throttle:*")
    for schema in (OTHER_STORE_SPEC["slug"], STORE_SPEC["slug"]):
        connection.set_schema(schema)
        store_cache.clear_all()
        cache.delete_pattern("throttle:*")
    connection.set_tenant(store)
    yield
    # Signals the test's requests buffered are written now, not by the buffer's thread during
    # a later test (whose Redis keys and round trips they would join).
    tracking.flush_buffer()
    connection.set_schema_to_public()


@pytest.fixture
def eager_tasks():
    """Run tasks inline where they are queued (after the test's on-commit callbacks run), so
    one test sees what a worker would do. Real workers are exercised by the worker tests."""
    from config.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def public_schema():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


def _client_for(store: Store) -> Client:
    return Client(HTTP_HOST=store.primary_host)


@pytest.fixture
def store_client(store) -> Client:
    return _client_for(store)


@pytest.fixture
def other_store_client(other_store) -> Client:
    return _client_for(other_store)


@pytest.fixture
def platform_client() -> Client:
    from django.conf import settings

    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN)


@pytest.fixture
def committed_store(django_db_setup, django_db_blocker):
    """A fresh store whose writes commit (no test transaction); dropped at teardown.

    Use it without the ``db`` fixture/marker, for concurrency tests and real-worker tests.
    """
    number = next(_committed_store_numbers)
    slug = f"committed{os.getpid()}x{number}"
    with django_db_blocker.unblock():
        _require_test_database("committed_store")
        connection.set_schema_to_public()
        store = tenant_services.create_store(
            name=f"Committed {number}",
            slug=slug,
            owner_email=f"owner@{slug}.test",
            owner_password=TEST_PASSWORD,
            with_defaults=False,
        )
        connection.set_tenant(store)
        try:
            yield store
        finally:
            _drop_committed_store(store)


@pytest.fixture
def signup_slug(django_db_setup, django_db_blocker):
    """The slug of a store a test opens through the signup page of a server it started; that
    store, if it was opened, is dropped at teardown (also when the test fails).

    The store is the server's work, committed: a fixture that starts the server must depend on
    this one, so that the server has stopped (and its sessions ended) before the drop.
    """
    slug = f"signup{os.getpid()}x{next(_committed_store_numbers)}"
    with django_db_blocker.unblock():
        _require_test_database("signup_slug")
        connection.set_schema_to_public()
        try:
            yield slug
        finally:
            connection.set_schema_to_public()
            store = Store.objects.filter(schema_name=slug).first()
            if store is None:
                connection.close()
            else:
                _drop_committed_store(store)


def _require_test_database(fixture: str) -> None:
    # pytest-django creates the test database only when some collected test is marked
    # django_db (or uses `db`); never let a run of committed-store tests alone write to the
    # real database.
    if not connection.settings_dict["NAME"].startswith("test_"):
        pytest.fail(f"{fixture} needs the test database: run it with a django_db test")


def _drop_committed_store(store: Store) -> None:
    connection.set_schema_to_public()
    store.delete(force_drop=True)
    assert connection.schema_name == get_public_schema_name()
    # Outside a test transaction nothing else closes this session; the test database cannot be
    # dropped at the end of the run while it is open.
    connection.close()


@pytest.fixture
def redis_round_trips(monkeypatch) -> list[bytes]:
    """Every command (or pipeline) this process sends to Redis, recorded as it goes out."""
    sent: list[bytes] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def recording(self, command, check_health=True):
        sent.append(command if isinstance(command, bytes) else b"".join(command))
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", recording)
    return sent
