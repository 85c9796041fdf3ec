"""Store versions over pub/sub (apps/core/version_bus.py): a page-cache hit asks Redis nothing,
yet a change another process makes shows on this process's next request."""

import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from apps.catalog import product_cache
from apps.catalog.models import Variant
from apps.core import store_cache, version_bus
from apps.preferences.models import StoreSettings
from tests.shopping import stocked_variant
from tests.storefront.test_cold_store import signal_flush


@pytest.fixture(autouse=True)
def _store_settings(db):
    StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_PK)


def get(store, url: str):
    response = Client(HTTP_HOST=store.primary_host).get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def another_process_bumps_the_catalog(*, channel: str | None = None) -> int:
    """What ``product_cache.bump_version`` does in another web process or a worker: the new
    version in Redis, then its announcement (this process's own copy is not touched)."""
    version = time.time_ns()
    cache.set(product_cache.VERSION_KEY, version, None)
    payload = f"another\x1f{connection.schema_name}\x1f{product_cache.VERSION_KEY}\x1f{version}"
    cache.client.get_client(write=True).publish(channel or version_bus.channel(), payload)
    return version


def cached_price_page(store, price: str):
    variant = stocked_variant(price=price)
    url = variant.product.get_absolute_url()
    get(store, url)
    assert get(store, url)[0]["X-Page-Cache"] == "hit"
    return variant, url


@pytest.mark.django_db
def test_a_hit_asks_redis_nothing_once_the_process_knows_the_versions(store, redis_round_trips):
    _, url = cached_price_page(store, "20.00")
    redis_round_trips.clear()

    response, _ = get(store, url)

    assert response["X-Page-Cache"] == "hit"
    # Nothing but the signal buffer's background flush (recommendations' counters).
    assert [command for command in redis_round_trips if not signal_flush(command)] == []


@pytest.mark.django_db
def test_a_price_change_made_by_another_process_shows_on_the_next_request(store):
    variant, url = cached_price_page(store, "20.00")
    # The row changes without this process's signals, as in another process.
    Variant.objects.filter(pk=variant.pk).update(price=Decimal("17.50"))
    another_process_bumps_the_catalog()

    response, body = get(store, url)

    assert response["X-Page-Cache"] == "miss"
    assert "17.50" in body and "20.00" not in body


@pytest.mark.django_db
def test_announcements_of_another_redis_database_are_not_heard(store):
    _, url = cached_price_page(store, "20.00")
    known = version_bus.known(connection.schema_name, [product_cache.VERSION_KEY])
    other_database = version_bus.channel().replace(":versions", "0:versions")

    another_process_bumps_the_catalog(channel=other_database)
    get(store, url)

    # Nothing was heard: this process still holds the version it knew (Redis has moved on, but
    # only an announcement on this deployment's channel tells it so).
    assert version_bus.known(connection.schema_name, [product_cache.VERSION_KEY]) == known


@pytest.fixture
def kill_subscriptions():
    """Close this process's subscriber connection from the server's side (as a Redis restart
    does); afterwards the process may subscribe again at once (not after its retry delay)."""

    def kill():
        host, port = version_bus._subscription.pubsub.connection._sock.getsockname()[:2]
        cache.client.get_client(write=True).client_kill_filter(addr=f"{host}:{port}")

    yield kill
    version_bus._subscription.failed_at = float("-inf")


@pytest.mark.django_db
def test_a_lost_subscription_makes_the_process_read_versions_from_redis_again(
    store, redis_round_trips, kill_subscriptions
):
    variant, url = cached_price_page(store, "20.00")
    kill_subscriptions()
    Variant.objects.filter(pk=variant.pk).update(price=Decimal("17.50"))
    # Announced while this process was not listening: lost.
    another_process_bumps_the_catalog()
    redis_round_trips.clear()

    response, body = get(store, url)

    assert "17.50" in body and response["X-Page-Cache"] == "miss"
    assert any(b"catalog:version" in command for command in redis_round_trips)


@pytest.mark.django_db
def test_without_the_bus_every_hit_reads_the_versions_from_redis(
    store, settings, redis_round_trips
):
    settings.VERSION_BUS_ENABLED = False
    variant, url = cached_price_page(store, "20.00")
    redis_round_trips.clear()
    assert get(store, url)[0]["X-Page-Cache"] == "hit"
    reads = [command for command in redis_round_trips if not signal_flush(command)]
    assert len(reads) == 1  # the generation and the versions, as before the bus

    Variant.objects.filter(pk=variant.pk).update(price=Decimal("17.50"))
    another_process_bumps_the_catalog()

    assert "17.50" in get(store, url)[1]


@pytest.mark.django_db
def test_forgetting_a_store_drops_what_every_process_knows_of_it(store):
    cached_price_page(store, "20.00")
    schema = connection.schema_name
    assert version_bus.known(schema, [store_cache.GENERATION_KEY])

    store_cache.clear_all()

    assert version_bus.known(schema, [store_cache.GENERATION_KEY]) == {}


@pytest.mark.django_db
def test_a_hit_never_prefetches_what_redis_lacked_for_the_store(store, redis_round_trips):
    # A search page reads no recommendation entry: Redis lacks them, and a hit must not ask
    # for them again and again (they were prefetched with the generation on every request).
    stocked_variant()
    get(store, "/search/?q=shirt")
    assert get(store, "/search/?q=shirt")[0]["X-Page-Cache"] == "hit"
    redis_round_trips.clear()

    response, _ = get(store, "/search/?q=shirt")

    assert response["X-Page-Cache"] == "hit"
    assert [command for command in redis_round_trips if not signal_flush(command)] == []
