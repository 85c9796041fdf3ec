"""The base class of every Celery task: tenant-schemas-celery's, plus the store's pod.

tenant-schemas-celery switches the worker's default connection to the caller's schema before a
task runs; with several pods this class then points that connection at the store's pod and
holds the store's write lock for the task's length (``apps/tenants/pods.py``): a task never
writes to a store's old copy while the store is moved. A task arriving during a move waits for
the switch; if the move takes longer, it is retried a few seconds later.
"""

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.task import TenantTask

from apps.tenants import pods
from apps.tenants.exceptions import StoreMoving

TASK_WAIT_SECONDS = 30.0


class PodTask(TenantTask):
    abstract = True
    # False for a task that only reads the store through the request handling (the storefront's
    # pre-render): the store middleware picks the pod and leaves it, and no write lock is held.
    writes_to_store = True

    def __call__(self, *args, **kwargs):
        if (
            len(settings.PODS) == 1
            or not self.writes_to_store
            or connection.schema_name == get_public_schema_name()
        ):
            return super().__call__(*args, **kwargs)
        tenant = getattr(connection, "tenant", None)
        if getattr(tenant, "pk", None) is None:
            # The schema was already current when the task started, so tenant-schemas-celery
            # set no tenant (an eager task inside schema_context): find the store by name.
            tenant = pods.store_for_schema(connection.schema_name)
            if tenant is None:
                return super().__call__(*args, **kwargs)  # the template, a pooled schema
        try:
            with pods.store_writes(tenant, wait_seconds=TASK_WAIT_SECONDS):
                return super().__call__(*args, **kwargs)
        except StoreMoving as exc:
            raise self.retry(exc=exc, countdown=exc.retry_after_seconds, max_retries=None) from exc
