"""A Redis outage degrades a store, never takes it down (issue #16).

A real web server (gunicorn) runs against the test database and a private Redis started for this
test alone (cache, sessions' cache and Celery broker). The test warms the caches, stops that
Redis, shops through the whole path — home, product, search, cart, checkout, order, test-card
payment, store-admin login — and expects no answer >= 500 and a paid order in PostgreSQL. Then
it starts Redis again on the same port and browses once more, and a real worker with beat's
outbox relay delivers the order's confirmation email and webhook, each exactly once.
"""

import logging
import re
import socket
import time
from contextlib import ExitStack
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
import requests
from django.conf import settings
from django.contrib.auth import get_user_model

from apps.core import outbox, redis_outage
from apps.core.models import OutboxMessage
from apps.markets.selectors import base_market
from apps.orders.models import Order, OrderEmail
from apps.reviews import throttling as review_throttling
from apps.storefront import cards as cards_module
from apps.tenants import routing
from apps.tenants.tasks import fan_out_to_stores_task
from apps.webhooks.models import WebhookDelivery, WebhookSubscription
from config import devservices
from tests.api.test_webhooks import Receiver
from tests.celery_worker import broker_at, running_worker
from tests.conftest import TEST_PASSWORD
from tests.factories.checkout import ShippingMethodFactory
from tests.live_server import free_port, let_server_check_password, running_web, server_env
from tests.shopping import ADDRESS, stocked_variant

TIMEOUT = 20  # seconds per request: the whole test stays bounded even if a call hangs


class Shopper:
    """A browser-like client: keeps cookies, sends the CSRF token, follows no redirect."""

    def __init__(self, port: int, host: str):
        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        self.session.headers["Host"] = host
        self.statuses: list[tuple[str, str, int]] = []

    def get(self, path: str) -> requests.Response:
        return self._record(
            "GET", path, self.session.get(self.base + path, allow_redirects=False, timeout=TIMEOUT)
        )

    def post(self, path: str, data: dict) -> requests.Response:
        token = self.session.cookies.get("csrftoken", "")
        answer = self.session.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token, **data},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        return self._record("POST", path, answer)

    def _record(self, method: str, path: str, answer: requests.Response) -> requests.Response:
        self.statuses.append((method, path, answer.status_code))
        return answer


def _shop(shopper: Shopper, variant, method) -> str:
    """Browse, buy one unit and pay with the test card; return the order's path."""
    assert shopper.get("/").status_code == 200
    assert shopper.get(variant.product.get_absolute_url()).status_code == 200
    assert shopper.get(f"/search/?q={variant.product.name.split()[0]}").status_code == 200
    shopper.get("/cart/")
    shopper.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})
    assert shopper.get("/cart/").status_code == 200
    start = shopper.post("/checkout/", {})
    token = re.search(r"/checkout/([0-9a-f-]{36})/", start.headers["Location"])[1]
    assert shopper.get(f"/checkout/{token}/").status_code == 200
    answers = {"email": "ada@example.test", **ADDRESS, "method": method.id, "action": "pay"}
    to_gateway = shopper.post(f"/checkout/{token}/", answers)
    assert to_gateway.status_code == 302, re.findall(
        r"(?s)class=\"[^\"]*(?:error|message)[^\"]*\".{0,300}", to_gateway.text
    )
    gateway = to_gateway.headers["Location"]
    assert shopper.get(gateway).status_code == 200
    card = {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123", "name": "Ada"}
    paid = shopper.post(gateway, card)
    return paid.headers.get("Location", "")


def _log_in_to_store_admin(shopper: Shopper, email: str) -> requests.Response:
    assert shopper.get("/admin/login/").status_code == 200
    return shopper.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": TEST_PASSWORD, "next": "/admin/"},
    )


def test_store_keeps_selling_while_redis_is_down_and_after_it_returns(committed_store, tmp_path):
    variant = stocked_variant(price="20.00", stock=5)
    method = ShippingMethodFactory(price=Decimal("5.00"))
    owner_email = f"owner@{committed_store.schema_name}.test"
    let_server_check_password(owner_email, TEST_PASSWORD)
    receiver = Receiver()
    WebhookSubscription.objects.create(url=receiver.url, topics=["order.paid"])
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    stack = ExitStack()
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    pid_file = devservices.launch_redis(redis_dir, redis_port)
    env = server_env(
        REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url
    )
    try:
        web = stack.enter_context(running_web(tmp_path / "web.log", env=env))
        web_port = web.port
        host = committed_store.primary_host
        warm = Shopper(web_port, host)
        warm.get("/")
        warm.get(variant.product.get_absolute_url())
        assert all(status == 200 for _, _, status in warm.statuses), warm.statuses
        assert redis.Redis.from_url(redis_url).dbsize() > 0  # the server really cached there

        devservices._stop_redis(pid_file)
        down = Shopper(web_port, host)
        started = time.monotonic()
        order_path = _shop(down, variant, method)
        ready = requests.get(f"http://127.0.0.1:{web_port}/readyz", timeout=10)
        admin = Shopper(web_port, host)
        login = _log_in_to_store_admin(admin, owner_email)
        admin.get("/account/login/")
        admin.post("/account/login/", {"username": "ada@example.test", "password": "wrong"})
        platform = Shopper(web_port, settings.PLATFORM_DOMAIN)
        platform_login = platform.get("/admin/login/")
        platform.post("/admin/login/", {"username": "nobody@example.test", "password": "wrong"})
        api = admin.get("/api/v1/products")  # anonymous: throttled by client IP in Redis
        outage_seconds = time.monotonic() - started

        devservices.launch_redis(redis_dir, redis_port)  # empty: it persisted nothing
        time.sleep(redis_outage.RETRY_SECONDS)  # the server's fail-fast pause runs out
        after = Shopper(web_port, host)
        after.get("/")
        after.get(variant.product.get_absolute_url())
        after.get("/search/?q=x")
        cached_again = redis.Redis.from_url(redis_url).dbsize()

        # What the outage left to the outbox, then beat's relay through a real worker.
        pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
        left_pending = sorted(pending.values_list("task_name", flat=True))
        stack.enter_context(broker_at(redis_url))
        stack.enter_context(
            running_worker(
                env={
                    "CELERY_BROKER_URL": redis_url,
                    "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                    "EMAIL_FILE_PATH": str(mail_dir),
                    "OUTBOX_RELAY_GRACE_SECONDS": "0",
                }
            )
        )
        fan_out_to_stores_task.delay("apps.core.tasks.relay_outbox_task")
        confirmed = OrderEmail.objects.filter(kind="confirmed", sent_at__isnull=False)
        deadline = time.monotonic() + 60
        while not (confirmed.exists() and receiver.requests and not pending.exists()):
            assert time.monotonic() < deadline, "the outbox was not delivered in time"
            time.sleep(0.2)
        relayed_again = outbox.relay_pending(min_age=timedelta(0))
    finally:
        stack.close()
        receiver.close()
        devservices._stop_redis(pid_file)

    server_errors = [s for s in down.statuses + admin.statuses + platform.statuses if s[2] >= 500]
    assert server_errors == [], (server_errors, (tmp_path / "web.log").read_text()[-4000:])
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order_path == f"/orders/{order.token}/"
    assert ready.status_code == 503 and "redis" in ready.text
    assert login.status_code == 302 and login.headers["Location"] == "/admin/"
    assert api.status_code in (200, 401, 403) and platform_login.status_code == 200
    assert outage_seconds < 30
    assert [s[2] for s in after.statuses] == [200, 200, 200]
    assert cached_again > 0  # the server uses Redis again, without a restart
    assert "Redis unavailable" in (tmp_path / "web.log").read_text()
    assert "apps.notifications.tasks.send_order_email_task" in left_pending
    assert "apps.webhooks.tasks.deliver_webhook_task" in left_pending
    assert relayed_again == 0
    to_shopper = [p for p in mail_dir.iterdir() if "To: ada@example.test" in p.read_text()]
    assert len(to_shopper) == 1  # the confirmation, once (the merchant may get a low-stock alert)
    assert f"Order #{Order.objects.get().number} confirmed" in to_shopper[0].read_text()
    assert [status for _, _, status in receiver.requests] == [200]
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The cache pointed at a port nothing listens on (this process only); the fail-fast state
    it leaves behind is this test's own."""
    monkeypatch.setattr(redis_outage, "_counter", redis_outage._Counter())
    dead = {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    settings.CACHES = {"default": dead}
    yield


@pytest.mark.django_db
def test_routing_reads_the_domain_table_when_redis_is_down(store, redis_down, public_schema):
    found = routing.get_store_for_host(store.primary_host)

    assert found.pk == store.pk


@pytest.mark.django_db
def test_product_cards_and_review_limit_work_without_redis(store, redis_down, caplog):
    variant = stocked_variant()
    user = get_user_model().objects.create_user(email="writer@example.test", password="x")

    cards = cards_module.render_product_cards(ids=[variant.product_id], market=base_market())
    allowed = [review_throttling.count_review_write(user) for _ in range(10)]

    assert len(cards) == 1 and variant.product.name in cards[0]
    assert all(allowed)  # the limit fails open
    assert redis_outage.failures_total() > 0


def test_a_hung_redis_costs_one_timeout_then_calls_fail_fast(settings, monkeypatch):
    monkeypatch.setattr(redis_outage, "_counter", redis_outage._Counter())
    with socket.socket() as hung:  # accepts connections (backlog), never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        dead = {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{hung.getsockname()[1]}/0",
        }
        dead["OPTIONS"] = {**dead["OPTIONS"], "SOCKET_TIMEOUT": 0.5, "SOCKET_CONNECT_TIMEOUT": 0.5}
        settings.CACHES = {"default": dead}
        from django.core.cache import cache

        started = time.monotonic()
        first = cache.get("anything", "miss")
        first_seconds = time.monotonic() - started
        started = time.monotonic()
        later = [cache.get(f"key{i}", "miss") for i in range(20)]
        later_seconds = time.monotonic() - started

    assert first == "miss" and set(later) == {"miss"}
    assert first_seconds < 3
    assert later_seconds < 0.5  # twenty calls, no timeout each


def test_an_outage_is_logged_once_per_burst_not_once_per_call(caplog, monkeypatch):
    monkeypatch.setattr(redis_outage, "_counter", redis_outage._Counter())

    with caplog.at_level(logging.WARNING, logger="mercato.redis"):
        for _ in range(50):
            redis_outage.note_failure("a cache read", ConnectionError("refused"))

    assert len(caplog.records) == 1 and "Redis unavailable" in caplog.records[0].getMessage()
    assert redis_outage.failures_total() == 50
