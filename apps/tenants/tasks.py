"""Platform tasks that know the stores: the per-store fan-out beat schedules periodic work with."""

import logging

from celery import current_app, shared_task
from django_tenants.utils import schema_context

from apps.tenants.selectors import list_active_stores

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def fan_out_to_stores_task(task_name: str) -> int:
    """Queue ``task_name`` once per active store, each in that store's schema.

    Beat schedules periodic store work through this one public-schema task (conventions:
    "one beat task in the public schema that fans out one task per store").
    """
    count = 0
    for store in list_active_stores():
        with schema_context(store.schema_name):
            current_app.send_task(task_name)
        count += 1
    logger.info("queued %s for %d stores", task_name, count)
    return count
