"""A store's first home page (nothing of it cached in Redis, the web process or the page
cache) stays a bounded number of SQL statements and Redis round trips: with a thousand
stores, most visits are a store's first in a worker (issue 21)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import store_cache, version_bus
from apps.preferences.models import StoreSettings

# Routing (search_path, domain), then what the home page loads once per store: settings,
# categories, collections, theme, markets, canonical host, recommendations' settings and widget
# rules, latest recompute, two rankings, featured and newest ids, best sellers, cards (20 and 31
# round trips before the configuration rode along with the generation's read).
COLD_HOME_MAX_STATEMENTS = 17
COLD_HOME_MAX_REDIS_ROUND_TRIPS = 20


def signal_flush(sent: bytes) -> bool:
    """The recommendation signals' background flush (apps/recommendations/tracking.py)."""
    return b"recs:stats:" in sent or b"recs:views" in sent


@pytest.mark.django_db
def test_a_cold_stores_first_home_page_is_bounded_and_the_next_costs_no_query(
    store_client, redis_round_trips
):
    # Every store opened with its defaults has its settings row (the suite's stores do not).
    StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_PK)
    cache.delete_pattern("*")  # every key of this store (keys carry the schema)
    store_cache.clear_all()  # a new generation: no cached page is current
    store_cache.forget_local_copies()  # this worker has not served the store yet
    connection.set_schema_to_public()
    version_bus.sync()  # a web process subscribes once, at its first request,
    cache.get("warm-connection")  # and holds a connection for its commands besides
    redis_round_trips.clear()

    with CaptureQueriesContext(connection) as cold:
        first = store_client.get("/")
    cold_round_trips = len([sent for sent in redis_round_trips if not signal_flush(sent)])
    cold_sent = [c[:70] for c in redis_round_trips]
    redis_round_trips.clear()
    with CaptureQueriesContext(connection) as warm:
        second = store_client.get("/")

    assert first.status_code == second.status_code == 200
    assert len(cold.captured_queries) <= COLD_HOME_MAX_STATEMENTS, cold.captured_queries
    assert not [q for q in cold.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert cold_round_trips <= COLD_HOME_MAX_REDIS_ROUND_TRIPS, cold_sent
    assert len(warm.captured_queries) == 0
    # This process holds the page and knows the versions it was rendered under are current;
    # only the signal buffer's background flush may write (widget impressions, any time).
    assert [sent for sent in redis_round_trips if not signal_flush(sent)] == []


@pytest.mark.django_db
def test_the_first_visit_of_a_pre_rendered_store_runs_no_sql_and_two_redis_round_trips(
    store_client, redis_round_trips, django_capture_on_commit_callbacks
):
    """A store no web process has served yet, its home page rendered ahead (``prerender``): the
    first request is a page-cache hit with no statement in the store's schema (a new schema
    costs PostgreSQL's backend its catalog cache) and two Redis round trips: the host's
    routing entry, then the page with the store's generation and versions."""
    from apps.storefront import page_cache, prerender
    from apps.tenants import due, routing

    StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_PK)
    cache.delete_pattern("storefront:page:*")
    assert prerender.render_home() == "miss"
    # This web process has not served the store yet (a worker rendered it):
    store_cache.forget_local_copies()
    routing.forget_local_copies()
    page_cache.local_pages.clear()
    version_bus.forget_schema(connection.schema_name)
    due._last_active.clear()  # nor recorded the store's activity
    connection.set_schema_to_public()
    redis_round_trips.clear()

    # What the request leaves for after its commit (an activity mark) runs and is counted too.
    with (
        CaptureQueriesContext(connection) as first_visit,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = store_client.get("/")

    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"
    assert first_visit.captured_queries == []
    sent = [c[:70] for c in redis_round_trips if not signal_flush(c)]
    assert len(sent) == 2, sent
