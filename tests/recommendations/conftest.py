import pytest
from django.core.cache import cache

from apps.recommendations import tracking


def _clear_recommendation_keys() -> None:
    """Redis is not rolled back with the test transaction: drop both test stores' recs keys
    (after this process's buffered signals are written, so none arrive later)."""
    tracking.flush_buffer()
    client = cache.client.get_client(write=True)
    for schema in ("teststore", "otherstore"):
        # Only this process's keys (the prefix differs per pytest-xdist worker).
        keys = list(client.scan_iter(match=f"{schema}:{cache.key_prefix}:*:recs:*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_recommendation_cache():
    _clear_recommendation_keys()
    yield
    _clear_recommendation_keys()


@pytest.fixture
def eager_tasks():
    """Run ``.delay()`` in-process (after commit callbacks execute), not on a broker queue."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
