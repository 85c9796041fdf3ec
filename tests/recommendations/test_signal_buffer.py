"""A web process buffers signals and writes them to Redis in batches (``tracking``): one
pipelined round trip per store, from a thread, bounded, and never failing the request."""

import time

import pytest
import redis
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context
from prometheus_client import REGISTRY

from apps.core import store_cache
from apps.recommendations import services, tracking
from apps.recommendations.models import ProductViewDaily
from tests.recommendations.baskets import stocked_product


def _client():
    return cache.client.get_client(write=True)


def _views_in_redis() -> list[str]:
    """The current store's view list as Redis holds it (read directly: no write-out first)."""
    return [item.decode() for item in _client().lrange(cache.make_key(tracking.VIEWS_KEY), 0, -1)]


def _stats_in_redis() -> dict[str, int]:
    found = _client().hgetall(tracking.stats_key(timezone.now().date()))
    return {field.decode(): int(value) for field, value in found.items()}


def _lost(reason: str) -> float:
    labels = {"reason": reason}
    return REGISTRY.get_sample_value("mercato_recommendation_signals_lost_total", labels) or 0


def _commands(packet: bytes, name: str) -> int:
    return packet.count(f"\r\n{name}\r\n".encode())


@pytest.mark.django_db
def test_a_batch_of_views_from_two_stores_is_one_round_trip_per_store(
    other_store, redis_round_trips
):
    today = timezone.now().date().isoformat()
    with tracking._buffer.flushing:  # the buffer's thread waits: everything is one batch
        with store_cache.memo_for_request():
            for n in range(300):
                services.record_product_view(
                    product_id=n % 3 + 1,
                    visitor_key=f"v:{n % 7}",
                    impressions=["bought_together", "trending"],
                )
            with schema_context(other_store.schema_name):
                for _ in range(200):
                    services.record_product_view(
                        product_id=9, visitor_key="v:x", impressions=["trending"]
                    )
                services.record_click(widget="trending")
        assert _views_in_redis() == []  # nothing was sent while recording
        redis_round_trips.clear()

    tracking.flush_buffer()  # after the thread's write-out, if it took the batch first

    assert len(redis_round_trips) == 2, [packet[:80] for packet in redis_round_trips]
    ours, theirs = sorted(redis_round_trips, key=lambda packet: b"otherstore:" in packet)
    assert b"otherstore:" not in ours and b"teststore:" not in theirs
    assert [_commands(ours, c) for c in ("RPUSH", "LTRIM", "HINCRBY", "EXPIRE")] == [1, 1, 2, 1]
    assert [_commands(theirs, c) for c in ("RPUSH", "LTRIM", "HINCRBY", "EXPIRE")] == [1, 1, 2, 1]
    expected = [f"{today}|v:{n % 7}|{n % 3 + 1}" for n in range(300)]
    assert _views_in_redis() == expected
    assert _stats_in_redis() == {"bought_together:i": 300, "trending:i": 300}
    assert 0 < _client().ttl(tracking.stats_key(timezone.now().date())) <= 3 * 24 * 3600
    with schema_context(other_store.schema_name):
        assert _views_in_redis() == [f"{today}|v:x|9"] * 200
        assert _stats_in_redis() == {"trending:i": 200, "trending:c": 1}


@pytest.mark.django_db
def test_the_buffers_thread_writes_views_out_without_another_request():
    with tracking._buffer.flushing:
        with store_cache.memo_for_request():
            services.record_product_view(product_id=5, visitor_key="v:1", impressions=["trending"])
        assert _views_in_redis() == []

    deadline = time.monotonic() + 3 * tracking.FLUSH_SECONDS
    while not _views_in_redis() and time.monotonic() < deadline:
        time.sleep(0.05)

    assert _views_in_redis() == [f"{timezone.now().date().isoformat()}|v:1|5"]
    assert _stats_in_redis() == {"trending:i": 1}


@pytest.mark.django_db
def test_the_buffer_keeps_the_newest_views_up_to_its_cap(monkeypatch):
    monkeypatch.setattr(tracking, "BUFFER_CAP", 5)
    lost_before = _lost("buffer_full")
    with tracking._buffer.flushing:
        with store_cache.memo_for_request():
            for product_id in range(1, 9):
                services.record_product_view(product_id=product_id, visitor_key="v:1")
        assert len(tracking._buffer.views) == 5
        assert _lost("buffer_full") - lost_before == 3

    tracking.flush_buffer()

    assert [int(event.rsplit("|", 1)[1]) for event in _views_in_redis()] == [4, 5, 6, 7, 8]


@pytest.mark.django_db
def test_a_write_out_that_cannot_reach_redis_loses_its_batch_and_raises_nothing(monkeypatch):
    unreachable = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    lost_before = _lost("redis")
    with monkeypatch.context() as patched:
        with tracking._buffer.flushing:
            patched.setattr(tracking, "_redis", lambda: unreachable)
            with store_cache.memo_for_request():
                for _ in range(3):  # the request never sees Redis: nothing to fail
                    services.record_product_view(
                        product_id=5, visitor_key="v:1", impressions=["trending"]
                    )

        assert tracking.flush_buffer() == 0  # (or the thread's write-out failed first)

    assert _lost("redis") - lost_before == 3
    assert _views_in_redis() == [] and _stats_in_redis() == {}  # lost, not retried
    with store_cache.memo_for_request():
        services.record_product_view(product_id=6, visitor_key="v:1")
    assert tracking.flush_buffer() in (0, 1)  # the thread may have written it already
    assert _views_in_redis() == [f"{timezone.now().date().isoformat()}|v:1|6"]


@pytest.mark.django_db
def test_outside_a_web_request_a_signal_is_written_at_once():
    services.record_product_view(product_id=5, visitor_key="v:1", impressions=["trending"])
    services.record_click(widget="trending")

    assert _views_in_redis() == [f"{timezone.now().date().isoformat()}|v:1|5"]
    assert _stats_in_redis() == {"trending:i": 1, "trending:c": 1}
    assert not tracking._buffer.views and not tracking._buffer.counts


@pytest.mark.django_db
def test_the_flush_task_counts_the_views_its_own_process_buffered(store_client):
    product = stocked_product(slug="desk-lamp")

    first = store_client.get("/products/desk-lamp/")
    again = store_client.get("/products/desk-lamp/")
    flushed = services.flush_signals()

    assert first.status_code == again.status_code == 200
    assert flushed["views"] == 2
    assert list(ProductViewDaily.objects.values_list("product_id", "views")) == [(product.id, 2)]
