"""Platform-level tasks: proof of life for workers and beat (the per-store fan-out that beat
schedules store work with is ``apps.tenants.tasks.fan_out_to_stores_task``)."""

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

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


@shared_task(acks_late=True, ignore_result=True)
def record_heartbeat_task() -> None:
    """Beat → worker proof of life; /readyz reports how long ago it last ran."""
    with schema_context(get_public_schema_name()):
        cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def last_heartbeat() -> str | None:
    with schema_context(get_public_schema_name()):
        return cache.get(HEARTBEAT_KEY)
