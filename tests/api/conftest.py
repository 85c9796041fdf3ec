import pytest
from rest_framework.test import APIClient

from apps.api import services
from apps.api.models import SCOPES


def _client(store, raw_key: str | None = None) -> APIClient:
    client = APIClient(HTTP_HOST=store.primary_host)
    if raw_key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each API test starts with empty throttle counters (they live in the real Redis)."""
    from django.core.cache import cache

    yield
    cache.delete_pattern("throttle_*")


@pytest.fixture
def make_api_client(store):
    def make(scopes=SCOPES, target_store=None):
        _, raw = services.create_api_key(name="test", scopes=list(scopes))
        return _client(target_store or store, raw)

    return make


@pytest.fixture
def api(make_api_client) -> APIClient:
    """A client holding a key with every scope."""
    return make_api_client()


@pytest.fixture
def anonymous_api(store) -> APIClient:
    return _client(store)
