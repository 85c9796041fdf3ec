"""Lose no message, send none twice (issue #16), with real processes.

A private Redis is the Celery broker, started as `make run` starts its embedded one (append-only
file and snapshots), so a test may stop and restart it; real Celery workers (solo pool: the task
runs in the worker's main process, so SIGKILL is a whole-worker crash that only the broker's
visibility timeout recovers from) write mail with the file backend into a folder per test. The
workers run with a 2 s visibility timeout and a restore sweep every second to keep each test to
a few seconds; production uses 600 s (config/settings.py).
"""

import email
import time
from datetime import timedelta
from email import policy

import pytest
from django.db import transaction

from apps.checkout import services as checkout_services
from apps.core import outbox
from apps.core.models import OutboxMessage
from apps.core.tasks import report_schema_task
from apps.orders import services
from apps.orders.models import Order, OrderEmail, OrderEvent
from apps.orders.services.emails import SEND_TASK
from apps.orders.tasks import send_order_email_task
from apps.tenants.tasks import fan_out_to_stores_task
from apps.webhooks.models import WebhookDelivery, WebhookSubscription
from apps.webhooks.services import DELIVER_TASK
from tests.api.test_webhooks import Receiver
from tests.celery_worker import PrivateRedis, broker_at, running_worker, worker_process
from tests.factories.payments import OrderFactory, OrderLineFactory
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant

pytestmark = pytest.mark.worker


@pytest.fixture
def broker(tmp_path):
    redis = PrivateRedis(tmp_path / "redis")
    try:
        with broker_at(redis.url):
            yield redis
    finally:
        redis.stop()


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


def worker_env(broker, mail_dir, **extra: str) -> dict[str, str]:
    return {
        "CELERY_BROKER_URL": broker.url,
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "OUTBOX_RELAY_GRACE_SECONDS": "0",
        "EMAIL_BACKEND": "tests.orders.email_backends.CrashingFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        **extra,
    }


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not hold in time")
        time.sleep(0.1)


def message_ids(mail_dir, to: str = "buyer@example.test") -> list[str]:
    """The Message-ID of every mail the workers wrote to ``to`` (one file per message)."""
    ids = []
    for path in sorted(mail_dir.iterdir()):
        raw = path.read_bytes().split(b"\n" + b"-" * 79)[0]
        message = email.message_from_bytes(raw, policy=policy.default)
        if message["To"] == to:
            ids.append(message["Message-ID"])
    return ids


def confirmation_sent(order) -> bool:
    return OrderEmail.objects.filter(order=order, kind="confirmed", sent_at__isnull=False).exists()


def drain(queue: str) -> None:
    """Wait until the worker ran everything queued before now (solo pool, FIFO queue)."""
    report_schema_task.apply_async(args=["drain"], queue=queue).get(timeout=30)


def test_broker_down_at_commit_delays_the_email_and_webhook_and_loses_neither(
    committed_store, broker, mail_dir
):
    target = Receiver()
    WebhookSubscription.objects.create(url=target.url, topics=["order.paid"])
    checkout = ready_checkout(
        lines=[(stocked_variant(price="12.00", stock=5), 1)], email="buyer@example.test"
    )

    broker.stop()
    started = time.monotonic()
    with transaction.atomic():
        order = checkout_services.place_order(checkout=checkout).order
    order = pay_with_test_card(order)
    seconds_with_broker_down = time.monotonic() - started
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    pending_tasks = sorted(pending.values_list("task_name", flat=True))

    broker.start()
    try:
        with running_worker(env=worker_env(broker, mail_dir)) as queue:
            # What beat does every minute: the per-store fan-out of the outbox relay.
            fan_out_to_stores_task.delay("apps.core.tasks.relay_outbox_task")
            wait_for(lambda: confirmation_sent(order) and len(target.requests) == 1)
            wait_for(lambda: not pending.exists())
            relayed_again = outbox.relay_pending(min_age=timedelta(0))
            drain(queue)
    finally:
        target.close()

    delivery = WebhookDelivery.objects.get()
    headers, _, status = target.requests[0]
    assert order.payment_status == Order.PaymentStatus.PAID
    assert SEND_TASK in pending_tasks and DELIVER_TASK in pending_tasks
    assert seconds_with_broker_down < 5  # refused publishes cost milliseconds
    assert relayed_again == 0
    assert len(message_ids(mail_dir)) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1
    assert len(target.requests) == 1 and status == 200
    assert headers["Idempotency-Key"] == str(delivery.event_id)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempts == 1


@pytest.mark.parametrize(
    ("crash_at", "emails"),
    [
        ("before_send", 1),  # the claim rolls back with the dead connection; the resend is the one
        ("after_record", 1),  # sent and recorded, not acknowledged: the redelivery sends nothing
        # The documented instant: accepted by the mail server, the sent mark not yet committed.
        # The resend carries the same Message-ID.
        ("after_send", 2),
    ],
)
def test_a_worker_killed_mid_task_leaves_the_customer_one_email(
    committed_store, broker, mail_dir, tmp_path, crash_at, emails
):
    env = worker_env(
        broker, mail_dir,
        MERCATO_TEST_CRASH_AT=crash_at, MERCATO_TEST_CRASH_FLAG=str(tmp_path / "crashed"),
    )  # fmt: skip
    order = OrderFactory(email="buyer@example.test")
    OrderLineFactory(order=order)
    redis = broker.client()

    with worker_process(env=env) as (queue, first):
        with transaction.atomic():
            services.queue_order_email(order_id=order.id, kind="confirmed")
        first.wait(30)
    held_by_the_dead_worker = redis.hlen("unacked")
    broker.stop()  # and the broker restarts too: the unacknowledged message survives it
    broker.start()
    with worker_process(env=env, queue=queue):
        wait_for(
            lambda: (
                confirmation_sent(order) and redis.hlen("unacked") == 0 and redis.llen(queue) == 0
            )
        )
        drain(queue)

    ids = message_ids(mail_dir)
    assert first.returncode == -9  # SIGKILL
    assert (tmp_path / "crashed").read_text() == crash_at
    assert held_by_the_dead_worker == 1
    assert len(ids) == emails
    assert set(ids) == {OrderEmail.objects.get(order=order).message_id}
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1


def test_a_duplicate_delivery_sends_nothing_twice(committed_store, broker, mail_dir):
    order = OrderFactory(email="buyer@example.test")
    OrderLineFactory(order=order)

    with running_worker(env=worker_env(broker, mail_dir)) as queue:
        with transaction.atomic():
            services.queue_order_email(order_id=order.id, kind="confirmed")
        wait_for(lambda: confirmation_sent(order))
        message = OutboxMessage.objects.get(task_name=SEND_TASK)
        # A relay that died after publishing, before marking the row dispatched, publishes
        # the same message again; and a plain second copy of the task arrives too.
        OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=None)
        republished = outbox.relay_pending(min_age=timedelta(0))
        send_order_email_task.apply_async(args=message.args)
        drain(queue)

    assert republished == 1
    assert len(message_ids(mail_dir)) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1
