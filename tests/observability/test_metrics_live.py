"""/metrics from a real gunicorn with two workers after a real checkout (issue #22).

gunicorn runs with the project's config (config/gunicorn.py: multiprocess mode under
METRICS_DIR/web, child_exit hook) against the test database; a shopper buys one unit and pays
with the test card; the scrape must show the order, the payment and the latency histograms,
merged across both workers.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from apps.orders.models import Order
from tests.core.test_redis_outage import Shopper, _shop
from tests.factories.checkout import ShippingMethodFactory
from tests.live_server import free_port
from tests.observability import servers
from tests.shopping import stocked_variant

TOKEN = "scrape-" + uuid.uuid4().hex


def _scrape(port: int, **headers: str) -> requests.Response:
    return requests.get(
        f"http://127.0.0.1:{port}/metrics",
        headers={"Host": settings.PLATFORM_DOMAIN, **headers},
        timeout=30,
    )


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_of_a_checkout_are_scraped_from_two_gunicorn_workers(committed_store, tmp_path):
    variant = stocked_variant(price="20.00", stock=5)
    method = ShippingMethodFactory(price=Decimal("5.00"))
    port = free_port()
    server = servers.start_gunicorn(
        port=port,
        workers=2,
        log_path=tmp_path / "web.log",
        METRICS_DIR=str(tmp_path),
        METRICS_TOKEN=TOKEN,
        CELERY_TASK_DEFAULT_QUEUE=f"test-metrics-{uuid.uuid4().hex[:12]}",
    )
    try:
        shopper = Shopper(port, committed_store.primary_host)
        order_path = _shop(shopper, variant, method)
        with ThreadPoolExecutor(8) as pool:  # spread over both workers
            answers = list(
                pool.map(lambda _: requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30),
                         range(40))
            )  # fmt: skip

        anonymous = _scrape(port)
        wrong = _scrape(port, Authorization="Bearer nope")
        scraped = _scrape(port, Authorization=f"Bearer {TOKEN}")
    finally:
        servers.stop(server)

    assert "/orders/" in order_path, shopper.statuses
    assert Order.objects.get().payment_status == Order.PaymentStatus.PAID
    assert all(answer.status_code == 200 for answer in answers)
    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert "mercato" not in anonymous.text
    assert scraped.status_code == 200
    samples = _samples(scraped.text)
    worker_pids = {path.stem.rsplit("_", 1)[-1] for path in (tmp_path / "web").glob("*.db")}
    assert len(worker_pids) == 2, worker_pids
    # The 40 of the burst plus the start-up polls, each counted once whichever worker took it.
    assert _value(samples, "mercato_http_requests_total", route="healthz", method="GET",
                  status="200") >= 40  # fmt: skip
    assert _value(samples, "mercato_orders_placed_total") == 1
    assert _value(samples, "mercato_orders_paid_total") == 1
    assert _value(samples, "mercato_checkouts_started_total") == 1
    assert _value(samples, "mercato_payment_attempts_total", gateway="test",
                  outcome="succeeded") == 1  # fmt: skip
    assert 0 <= _value(samples, "mercato_checkout_duration_seconds_sum") < 60
    assert _value(samples, "mercato_checkout_duration_seconds_count") == 1
    product_page = _value(
        samples, "mercato_http_request_duration_seconds_count", route="storefront:product-detail"
    )
    product_seconds = _value(
        samples, "mercato_http_request_duration_seconds_sum", route="storefront:product-detail"
    )
    assert product_page == 1
    assert 0 < product_seconds < 20
    assert _value(samples, "mercato_http_request_duration_seconds_bucket",
                  route="checkout:page", le="+Inf") == 2  # fmt: skip
    assert _value(samples, "mercato_http_requests_total", route="payments:pay", method="POST",
                  status="302") == 1  # fmt: skip
    assert _value(samples, "mercato_stock_holds", state="live") == 0  # committed on payment
    assert ("mercato_celery_queue_length", frozenset({("queue", "x")})) not in samples


@pytest.mark.django_db
def test_metrics_do_not_exist_without_a_token(platform_client, settings):
    settings.METRICS_TOKEN = ""

    answer = platform_client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")

    assert answer.status_code == 404


@pytest.mark.django_db
def test_metrics_answer_the_token_in_process(platform_client, settings):
    settings.METRICS_TOKEN = "t0ken"

    answer = platform_client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken")

    assert answer.status_code == 200
    assert b"mercato_celery_queue_length" in answer.content
    assert b'mercato_stock_holds{state="expired"}' in answer.content
