"""Platform tasks that know the stores: the per-store fan-out beat schedules periodic work with,
the schema pool's top-up, and dropping the old copies of stores moved to another pod."""

import logging
import random
from datetime import timedelta

from celery import current_app, shared_task
from django.db import transaction
from django_tenants.utils import schema_context

from apps.tenants import due, pod_moves, schema_pool
from apps.tenants.selectors import list_active_stores

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def fan_out_to_stores_task(
    task_name: str | list[str],
    due_kind: str | None = None,
    window_seconds: float | None = None,
    spread_seconds: float = 0,
) -> int:
    """Queue ``task_name`` (or each of a list) once per store that needs it, in its schema.

    - ``due_kind``: the stores whose work of that kind is due (``apps/tenants/due.py``); their
      index rows are claimed in the transaction that queues the tasks;
    - ``window_seconds``: the stores active within that many seconds;
    - neither: every active store (the daily sweep), each task delayed by a random part of
      ``spread_seconds`` so a thousand stores do not land on the queue at once.

    Beat schedules periodic store work through this one public-schema task (conventions:
    "one beat task in the public schema that fans out one task per store").
    """
    names = [task_name] if isinstance(task_name, str) else list(task_name)
    with transaction.atomic():
        if due_kind:
            schemas = due.claim_due(due_kind)
        elif window_seconds:
            schemas = due.active_within(timedelta(seconds=window_seconds))
        else:
            schemas = [store.schema_name for store in list_active_stores()]
        for schema in schemas:
            countdown = random.uniform(0, spread_seconds) if spread_seconds else None
            with schema_context(schema):
                for name in names:
                    current_app.send_task(name, countdown=countdown)
    logger.info("queued %s for %d stores", ", ".join(names), len(schemas))
    return len(schemas)


@shared_task(acks_late=True, ignore_result=True)
def top_up_schema_pool_task() -> int:
    """Keep ``STORE_SCHEMA_POOL_SIZE`` schemas ready for signups (public schema)."""
    return schema_pool.top_up()


@shared_task(acks_late=True, ignore_result=True)
def drop_old_store_copies_task() -> int:
    """Drop the source copies of store moves past their grace period (public schema;
    idempotent: a dropped copy is recorded and never visited again)."""
    return len(pod_moves.drop_old_copies())
