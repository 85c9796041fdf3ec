"""Platform-level tasks: proof of life for workers and beat (the per-store fan-out that beat
schedules store work with is ``apps.tenants.tasks.fan_out_to_stores_task``)."""

import math
from collections.abc import Iterator
from datetime import datetime
from smtplib import SMTPException

from celery import shared_task
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context
from prometheus_client.core import GaugeMetricFamily, Metric

HEARTBEAT_KEY = "platform:worker-heartbeat"


@shared_task(acks_late=True)
def report_schema_task(marker: str = "") -> dict[str, str | int]:
    """Return the schema this task ran in and how many users that schema holds."""
    from django.contrib.auth import get_user_model

    return {
        "schema": connection.schema_name,
        "users": get_user_model().objects.count(),
        "marker": marker,
    }


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=300,  # below the broker's visibility timeout, as for order emails
    retry_jitter=True,
    max_retries=6,
)
def send_email_task(subject: str, body: str, to: str, message_id: str) -> None:
    """Send one plain-text email queued by ``apps.core.mail.send_email_after_commit``.

    At least once (acks_late, outbox redelivery): a resend carries the same Message-ID.
    """
    EmailMessage(subject, body, None, [to], headers={"Message-ID": message_id}).send()


@shared_task(acks_late=True, ignore_result=True)
def record_heartbeat_task() -> None:
    """Beat → worker proof of life; /readyz reports how long ago it last ran."""
    with schema_context(get_public_schema_name()):
        cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def last_heartbeat() -> str | None:
    with schema_context(get_public_schema_name()):
        return cache.get(HEARTBEAT_KEY)


def heartbeat_age_metric() -> Iterator[Metric]:
    """Seconds since a worker last ran beat's heartbeat task (every minute), at each scrape of
    /metrics: the worker-down alert's signal, true even when a worker died without a word."""
    family = GaugeMetricFamily(
        "mercato_celery_heartbeat_age_seconds",
        "Seconds since a Celery worker last ran the beat heartbeat task (NaN: never).",
    )
    last = last_heartbeat()
    age = (timezone.now() - datetime.fromisoformat(last)).total_seconds() if last else math.nan
    family.add_metric([], age)
    yield family


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox_task() -> int:
    """Per store (beat fan-out) and in the public schema: queue outbox messages still pending.

    Idempotent: rows are taken under ``SKIP LOCKED`` and a dispatched row is never sent again
    by this task.
    """
    from apps.core import outbox

    return outbox.relay_pending()
