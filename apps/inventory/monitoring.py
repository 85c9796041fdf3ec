"""Stock-hold figures for /metrics, computed at each scrape (issue #22).

At scrape time, not by a periodic task: "expired but not swept" must rise exactly when the
sweeper (a periodic task) stops. One count per store, on the partial index of active holds.
"""

from collections.abc import Iterator

from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from apps.inventory.models import Reservation
from apps.observability import metrics
from apps.tenants import pods
from apps.tenants import selectors as tenant_selectors


def stock_hold_metrics() -> Iterator[Metric]:
    """Active holds, by whether their deadline has passed (state=expired: not swept yet)."""
    now = timezone.now()
    live = expired = 0
    for store in tenant_selectors.list_active_stores():
        with pods.store_context(store):
            counts = Reservation.objects.filter(state=Reservation.State.ACTIVE).aggregate(
                live=Count("id", filter=Q(expires_at__gt=now)),
                expired=Count("id", filter=Q(expires_at__lte=now)),
            )
        live += counts["live"]
        expired += counts["expired"]
    family = GaugeMetricFamily(
        metrics.STOCK_HOLDS,
        "Stock holds in state active, by deadline (live / expired: waiting for the sweeper).",
        labels=["state"],
    )
    family.add_metric(["live"], live)
    family.add_metric(["expired"], expired)
    yield family
