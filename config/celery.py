"""The tenant-aware Celery app: a task queued inside a store's schema runs in that schema.

tenant-schemas-celery puts the caller's schema name in the message headers and switches the
worker's connection to it before the task body runs; ``PodTask`` then picks the store's pod.
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("mercato", task_cls="apps.tenants.pod_task:PodTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

if os.environ.get("LOG_FORMAT") == "json":
    from celery import signals

    @signals.setup_logging.connect
    def use_django_logging(**kwargs) -> None:
        """JSON lines in the worker too: Django's LOGGING instead of Celery's own format."""
        from logging.config import dictConfig

        from django.conf import settings

        dictConfig(settings.LOGGING)
