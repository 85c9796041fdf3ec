"""Home pages rendered ahead of their visitors (apps/storefront/prerender.py) and kept until
the next time-based change (page_cache.fresh_until): a store's first visitor gets a cached
page (issue 21)."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError

from apps.checkout import promotions
from apps.core import store_cache
from apps.preferences.models import StoreSettings
from apps.storefront import page_cache, prerender
from apps.storefront.tasks import prerender_home_task
from apps.tenants import services as tenant_services
from apps.tenants.models import Store
from tests.conftest import TEST_PASSWORD
from tests.factories.catalog import ProductFactory
from tests.factories.checkout import PromotionFactory
from tests.shopping import stocked_variant

PER_VISITOR = re.compile(r"(nonce-|nonce=\"|csrfmiddlewaretoken\" value=\")[^'\"]+")


@pytest.fixture(autouse=True)
def _store_settings(db):
    """The settings row a store's first page view would create (a change, which drops pages)."""
    StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_PK)
    cache.delete(prerender.LOCK_KEY)
    cache.delete_pattern("storefront:page:*")  # this store's pages of earlier tests


def cached_entry() -> page_cache.Entry:
    """The one page this test cached in the store."""
    (key,) = cache.keys("storefront:page:*")
    return cache.get(key)


def visitor(store) -> Client:
    # The page's key has the scheme: visitors come on the canonical one.
    return Client(HTTP_HOST=store.primary_host, secure=settings.PUBLIC_SCHEME == "https")


def home(store):
    response = visitor(store).get("/")
    assert response.status_code == 200
    return response, response.content.decode()


@pytest.mark.django_db
def test_the_pre_render_writes_the_entry_a_miss_would(store):
    variant = stocked_variant()

    assert prerender.render_home() == "miss"
    hit, hit_body = home(store)
    store_cache.clear_all()  # a new page version: the next visitor renders the page
    miss, miss_body = home(store)

    assert hit["X-Page-Cache"] == "hit" and miss["X-Page-Cache"] == "miss"
    assert "<!--pc:" not in hit_body  # the CSRF token and nonce are this visitor's own
    nonce = re.search(r"'nonce-([^']+)'", hit["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in hit_body
    assert variant.product.name in hit_body
    assert PER_VISITOR.sub("", hit_body) == PER_VISITOR.sub("", miss_body)
    assert prerender.render_home() == "hit"  # current already: nothing is written


@pytest.fixture
def queued_renders(monkeypatch) -> list[tuple[str, float]]:
    """The renders sent to the broker (schema, countdown), for ``run_queued`` to run as a
    worker would once their countdown has passed (after every callback of the commit)."""
    queued: list[tuple[str, float]] = []

    def send(*args, countdown=None, headers=None, **kwargs):
        queued.append((headers["_schema_name"], countdown))

    monkeypatch.setattr(prerender_home_task, "apply_async", send)
    return queued


def run_queued(queued: list[tuple[str, float]]) -> None:
    for schema, _ in queued:
        with schema_context(schema):
            prerender_home_task.apply().get()
    queued.clear()


@pytest.mark.django_db
def test_changes_that_drop_the_pages_queue_one_render_per_interval(
    store, queued_renders, django_capture_on_commit_callbacks
):
    for n in range(1, 5):  # an import, each row its own transaction
        with django_capture_on_commit_callbacks(execute=True):
            stocked_variant(product=ProductFactory(name=f"Imported {n}"))
    queued = list(queued_renders)
    run_queued(queued_renders)
    first, first_body = home(store)
    cache.delete(prerender.LOCK_KEY)  # the interval has passed
    with django_capture_on_commit_callbacks(execute=True):
        StoreSettings.objects.update_or_create(pk=StoreSettings.SINGLETON_PK, defaults={})
    again = list(queued_renders)
    run_queued(queued_renders)

    assert queued == [(store.schema_name, settings.PAGE_PRERENDER_DELAY_SECONDS)]
    assert first["X-Page-Cache"] == "hit" and "Imported 4" in first_body
    assert again == queued  # a settings change (the page version) queues the next one
    assert home(store)[0]["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_an_uncommitted_change_queues_nothing(store, queued_renders):
    ProductFactory()  # the test's transaction is rolled back, never committed

    assert queued_renders == []


@pytest.mark.django_db
def test_a_promotion_starting_later_shows_once_its_start_has_passed(store):
    stocked_variant(price="50.00")
    starts = timezone.now() + timedelta(seconds=3)
    PromotionFactory(name="Half off", value=50, starts_at=starts)

    before, before_body = home(store)
    cached, _ = home(store)
    entry = cached_entry()
    time.sleep(max(0.0, starts.timestamp() - time.time()) + 0.2)
    after, after_body = home(store)

    assert before["X-Page-Cache"] == "miss" and cached["X-Page-Cache"] == "hit"
    assert entry.fresh_until == pytest.approx(starts.timestamp())
    assert "25.00" not in before_body
    assert after["X-Page-Cache"] == "miss" and "25.00" in after_body


@pytest.mark.django_db
def test_a_home_page_without_scheduled_changes_lasts_the_long_bound(store):
    stocked_variant()
    home(store)

    entry = cached_entry()
    assert entry.recs_generation is not None
    assert entry.fresh_until == pytest.approx(
        timezone.now().timestamp() + settings.PAGE_CACHE_MAX_SECONDS, abs=30
    )
    assert promotions.next_time_change(timezone.now()) is None


@pytest.mark.django_db
def test_other_pages_keep_the_short_bound(store):
    url = stocked_variant().product.get_absolute_url()
    visitor(store).get(url)

    entry = cached_entry()
    assert entry.fresh_until == pytest.approx(
        timezone.now().timestamp() + settings.PAGE_CACHE_SECONDS, abs=5
    )


def _open_store(slug: str) -> Store:
    return tenant_services.create_store(
        name="Prerendered", slug=slug, owner_email=f"owner@{slug}.test",
        owner_password=TEST_PASSWORD,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_new_stores_first_visitor_gets_the_pre_rendered_home_page(
    public_schema, queued_renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        opened = _open_store("prerendered1")
    queued = list(queued_renders)
    run_queued(queued_renders)

    connection.set_schema_to_public()
    first, body = home(opened)

    assert queued == [("prerendered1", settings.PAGE_PRERENDER_DELAY_SECONDS)]  # one, debounced
    assert first["X-Page-Cache"] == "hit"
    assert "Prerendered" in body and "<!--pc:" not in body


@pytest.mark.django_db
def test_a_broker_outage_never_breaks_opening_a_store(
    public_schema, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(prerender_home_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        opened = _open_store("prerendered2")

    assert Store.objects.filter(pk=opened.pk).exists()
    connection.set_tenant(opened)
    assert cache.get(prerender.LOCK_KEY) is None  # the next change tries again
    connection.set_schema_to_public()
    assert home(opened)[0]["X-Page-Cache"] == "miss"  # its first visitor renders it


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port where nothing listens (connection refused at once)."""
    from apps.core import redis_outage

    cache_settings = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}
    settings.CACHES = {"default": cache_settings}
    yield
    redis_outage._counter.down_until = float("-inf")


@pytest.mark.django_db
def test_a_redis_outage_never_breaks_opening_a_store(
    public_schema, redis_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        opened = _open_store("prerendered3")

    assert Store.objects.filter(pk=opened.pk).exists()
