import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.recommendations import selectors, services, tracking
from apps.recommendations.models import ProductNeighbour, ProductViewDaily, WidgetStat
from tests.recommendations.baskets import paid_order, stocked_product


@pytest.mark.django_db
def test_views_are_buffered_in_redis_then_flushed_as_daily_rows():
    lamp, mug = stocked_product(), stocked_product()
    for _ in range(3):
        services.record_product_view(product_id=lamp.id, visitor_key="v:" + "a" * 32)
    services.record_product_view(product_id=mug.id, visitor_key="v:ignored", user_id=42)
    assert not ProductViewDaily.objects.exists()

    flushed = services.flush_signals()
    again = services.flush_signals()

    today = timezone.now().date()
    rows = {(r.visitor_key, r.product_id): r.views for r in ProductViewDaily.objects.all()}
    assert rows == {("v:" + "a" * 32, lamp.id): 3, ("u:42", mug.id): 1}
    assert ProductViewDaily.objects.filter(day=today).count() == 2
    assert flushed["views"] == 4 and again["views"] == 0
    assert tracking.buffered_view_count() == 0


@pytest.mark.django_db
def test_flush_drops_views_of_deleted_products_and_adds_to_existing_rows():
    lamp, gone = stocked_product(), stocked_product(stock=0)
    services.record_product_view(product_id=lamp.id, visitor_key="v:1")
    services.flush_signals()
    services.record_product_view(product_id=lamp.id, visitor_key="v:1")
    services.record_product_view(product_id=gone.id, visitor_key="v:1")
    gone.delete()

    services.flush_signals()

    assert list(ProductViewDaily.objects.values_list("product_id", "views")) == [(lamp.id, 2)]


@pytest.mark.django_db
def test_impressions_and_clicks_are_counted_per_widget_and_day_idempotently():
    lamp = stocked_product()
    services.record_product_view(
        product_id=lamp.id, visitor_key="v:1", impressions=["bought_together", "bogus"]
    )
    services.record_impressions(widgets=["bought_together", "trending"])
    services.record_click(widget="bought_together")
    services.record_click(widget="not-a-widget")

    services.flush_signals()
    services.flush_signals()

    stats = {s.widget: (s.impressions, s.clicks) for s in WidgetStat.objects.all()}
    assert stats == {"bought_together": (2, 1), "trending": (1, 0)}
    rates = {row.widget: row.rate for row in selectors.list_click_through()}
    assert rates["bought_together"] == 0.5 and rates["for_you"] == 0


@pytest.mark.django_db
def test_signals_and_neighbours_never_cross_stores(other_store, store):
    lamp, mug = stocked_product(), stocked_product()
    paid_order([lamp, mug])
    services.record_product_view(product_id=lamp.id, visitor_key="v:1", impressions=["trending"])
    services.recompute_recommendations()

    with schema_context(other_store.schema_name):
        # The other store's flush sees nothing of this store's buffer, its recompute nothing
        # of this store's orders, and its caches hold its own (empty) neighbours.
        assert tracking.buffered_view_count() == 0
        assert services.flush_signals() == {"views": 0, "stats": 0, "pruned": 0}
        services.recompute_recommendations(force=True)
        assert not ProductNeighbour.objects.exists()
        assert not ProductViewDaily.objects.exists()
        assert not WidgetStat.objects.exists()
        config, generation = selectors.get_config()
        assert selectors._neighbour_lists([lamp.id], generation) == {lamp.id: {}}

    assert connection.schema_name == store.schema_name
    assert tracking.buffered_view_count() == 1
    assert services.flush_signals()["views"] == 1
    kinds = set(ProductNeighbour.objects.filter(product=lamp).values_list("kind", flat=True))
    assert kinds == {"bought_together", "bought_by_same"}
