"""The email task: retried on SMTP failure; a real Celery worker sends it in the store schema."""

import time
from smtplib import SMTPException

import pytest
from django.db import connection, transaction

from apps.orders import services
from apps.orders.models import OrderEvent
from apps.orders.tasks import send_order_email_task
from tests.celery_worker import running_worker
from tests.factories.payments import OrderFactory, OrderLineFactory
from tests.orders.email_backends import AlwaysFailBackend, FailOnceBackend


def email_events(order):
    return OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT)


@pytest.mark.django_db
def test_smtp_failure_is_retried_and_the_email_goes_out_once(settings, mailoutbox, eager_tasks):
    settings.EMAIL_BACKEND = "tests.orders.email_backends.FailOnceBackend"
    FailOnceBackend.attempts = 0
    order = OrderFactory()

    send_order_email_task.apply(args=[order.id, "confirmed", {}, "email-1"])

    assert FailOnceBackend.attempts == 2
    assert len(mailoutbox) == 1
    assert email_events(order).count() == 1


@pytest.mark.django_db
def test_task_gives_up_after_its_retries_and_records_nothing(settings, mailoutbox, eager_tasks):
    settings.EMAIL_BACKEND = "tests.orders.email_backends.AlwaysFailBackend"
    AlwaysFailBackend.attempts = 0
    order = OrderFactory()

    result = send_order_email_task.apply(args=[order.id, "confirmed", {}, "email-1"])

    assert AlwaysFailBackend.attempts == send_order_email_task.max_retries + 1
    assert isinstance(result.result, OSError)
    assert mailoutbox == []
    assert not email_events(order).exists()


def test_retry_policy_covers_smtp_and_network_errors():
    assert set(send_order_email_task.autoretry_for) == {SMTPException, OSError}
    assert send_order_email_task.acks_late
    assert send_order_email_task.retry_backoff and send_order_email_task.max_retries


@pytest.mark.worker
def test_real_worker_sends_the_order_email_to_the_mail_folder(
    committed_store, tmp_path, monkeypatch
):
    # The worker is another process: it reads the email settings from its environment.
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(tmp_path))
    order = OrderFactory(email="buyer@example.test")
    OrderLineFactory(order=order, product_name="Walnut Desk")

    with running_worker():
        with transaction.atomic():
            services.queue_order_email(order_id=order.id, kind="confirmed")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not email_events(order).exists():
            time.sleep(0.2)

    [mail_file] = list(tmp_path.iterdir())
    content = mail_file.read_text()
    assert email_events(order).count() == 1
    assert "To: buyer@example.test" in content
    assert f"Order #{order.number} confirmed" in content
    assert "Walnut Desk" in content
    assert connection.schema_name == committed_store.schema_name
