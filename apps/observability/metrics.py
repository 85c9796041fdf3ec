"""Every Prometheus metric Mercato exports, defined once (issue #22).

Platform layer: domain apps import this module and call the small helpers below; it imports no
app. Values are per process; with ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn and the Celery
worker, see ``config/gunicorn.py`` and ``apps.observability.exposition``) each process writes
them to memory-mapped files that ``/metrics`` merges.

Label rule (cardinality stays bounded whatever the number of stores):
- no metric carries a store, user, order, product or SKU label: per-store figures are the
  merchant dashboard's reports and the logs' ``store`` field;
- HTTP series are labelled by the URL pattern's name (``storefront:product-detail``), never the
  path; requests matching no pattern are ``route="unmatched"``;
- histograms carry at most one small label (route, gateway, backend or task name);
- every other label is an enumeration fixed in code (outcome, method, status, reason, cache).
"""

from collections.abc import Callable
from datetime import datetime
from time import perf_counter

from django.db import transaction
from prometheus_client import Counter, Gauge, Histogram

# Seconds. Web and task latency: 5 ms to 10 s, with a bucket on every alert threshold (1 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# --- HTTP ------------------------------------------------------------------------------------
http_requests = Counter(
    "mercato_http_requests",
    "HTTP requests answered, by URL pattern name, method and status code.",
    ["route", "method", "status"],
)
http_request_duration = Histogram(
    "mercato_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL pattern name.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)

# --- orders and checkout ---------------------------------------------------------------------
orders_placed = Counter("mercato_orders_placed", "Orders placed (pending payment).")
orders_paid = Counter("mercato_orders_paid", "Orders marked paid.")
orders_cancelled = Counter("mercato_orders_cancelled", "Orders cancelled.")
checkout_duration = Histogram(
    "mercato_checkout_duration_seconds",
    "Checkout duration: from the order's placement (pending payment) to paid.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600),
)
checkouts_started = Counter(
    "mercato_checkouts_started", "Checkouts started from a cart (for the abandonment rate)."
)

fulfilment_duration = Histogram(
    "mercato_fulfilment_duration_seconds",
    "Fulfilment time: from paid to each shipment.",
    buckets=(600, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600, 96 * 3600, 7 * 86400),
)
reviews_submitted = Counter("mercato_reviews_submitted", "Product reviews written by customers.")

# --- payments --------------------------------------------------------------------------------
payment_attempts = Counter(
    "mercato_payment_attempts",
    "Payment attempts that reached an outcome, by gateway and outcome (succeeded / failed).",
    ["gateway", "outcome"],
)
refunds = Counter("mercato_refunds", "Refunds booked, by gateway.", ["gateway"])

# --- inventory -------------------------------------------------------------------------------
reservations_reclaimed = Counter(
    "mercato_reservations_reclaimed",
    "Expired stock holds released by the sweeper (reserve's own reclaims are not counted).",
)
oversell_refused = Counter(
    "mercato_oversell_refused",
    "Reservations refused because fewer units were free than asked for.",
)
stock_drift = Counter(
    "mercato_stock_drift_rows",
    "Stock rows whose counters disagreed with reservations or the ledger (found / repaired).",
    ["action"],
)
# Computed at scrape time by collectors the inventory app registers (exposition.py).
STOCK_HOLDS = "mercato_stock_holds"

# --- webhooks, emails ------------------------------------------------------------------------
webhook_deliveries = Counter(
    "mercato_webhook_deliveries",
    "Outgoing webhook delivery attempts, by outcome (delivered / failed / gave_up).",
    ["outcome"],
)
emails_sent = Counter(
    "mercato_emails", "Order emails, by kind and outcome (sent / failed).", ["kind", "outcome"]
)

# --- Celery ----------------------------------------------------------------------------------
task_runtime = Histogram(
    "mercato_celery_task_duration_seconds",
    "Celery task run time, by task name.",
    ["task"],
    buckets=LATENCY_BUCKETS + (30.0, 60.0, 300.0),
)
task_outcomes = Counter(
    "mercato_celery_tasks",
    "Celery tasks finished, by task name and state (SUCCESS / FAILURE / RETRY).",
    ["task", "state"],
)
# Worker liveness for the worker-down alert: a gauge per live worker process.
worker_processes = Gauge(
    "mercato_celery_worker_processes",
    "Celery worker processes alive (pool children and solo workers).",
    multiprocess_mode="livesum",
)

# --- caches, search --------------------------------------------------------------------------
cache_requests = Counter(
    "mercato_cache_requests",
    "Cache look-ups by cache (routing / store_config / search / page) and result (hit / miss).",
    ["cache", "result"],
)
search_duration = Histogram(
    "mercato_search_duration_seconds",
    "Storefront and API search time, by backend.",
    ["backend"],
    buckets=LATENCY_BUCKETS,
)

# --- recommendations -------------------------------------------------------------------------
recommendation_signals_lost = Counter(
    "mercato_recommendation_signals_lost",
    "Product views recorded by a web process and never written to Redis, by reason "
    "(buffer_full: the process's buffer overflowed; redis: its flush failed).",
    ["reason"],
)

# --- tenancy ---------------------------------------------------------------------------------
cross_store_queries = Counter(
    "mercato_cross_store_queries",
    "SQL statements that named two store schemas, or a store other than the current one.",
)


def count_on_commit(counter: Counter, amount: float = 1, **labels: str) -> None:
    """Count ``amount`` once the current transaction commits (now, outside one).

    For facts written in a transaction that may still roll back (an order placed, paid).
    """
    child = counter.labels(**labels) if labels else counter
    transaction.on_commit(lambda: child.inc(amount))


def observe_on_commit(histogram: Histogram, value: float, **labels: str) -> None:
    """Observe ``value`` once the current transaction commits."""
    child = histogram.labels(**labels) if labels else histogram
    transaction.on_commit(lambda: child.observe(value))


class outcome:
    """Context manager counting the block in ``counter`` with ``outcome=success`` when it
    returns, ``outcome="failed"`` when it raises (the exception propagates)."""

    __slots__ = ("_counter", "_labels", "_success")

    def __init__(self, counter: Counter, *, success: str = "succeeded", **labels: str) -> None:
        self._counter, self._labels, self._success = counter, labels, success

    def __enter__(self) -> "outcome":
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        result = "failed" if exc_type is not None else self._success
        self._counter.labels(outcome=result, **self._labels).inc()


class timed:
    """Context manager observing the block's duration in ``histogram`` (with ``labels``)."""

    __slots__ = ("_observe", "_start")

    def __init__(self, histogram: Histogram, **labels: str) -> None:
        self._observe: Callable[[float], None] = (
            histogram.labels(**labels) if labels else histogram
        ).observe

    def __enter__(self) -> "timed":
        self._start = perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._observe(perf_counter() - self._start)


def record_order_paid(*, placed_at: datetime, paid_at: datetime) -> None:
    """An order was paid (counted, with its checkout duration, once the transaction commits)."""
    count_on_commit(orders_paid)
    observe_on_commit(checkout_duration, max((paid_at - placed_at).total_seconds(), 0.0))


def record_fulfilment(*, paid_at: datetime | None, shipped_at: datetime) -> None:
    """A shipment left: its delay since payment, once the transaction commits."""
    if paid_at is not None:
        observe_on_commit(fulfilment_duration, max((shipped_at - paid_at).total_seconds(), 0.0))
