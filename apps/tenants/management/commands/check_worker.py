from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.core.tasks import report_schema_task
from apps.tenants.commands import store_from_option


class Command(BaseCommand):
    help = "Queue a task in a store's schema and wait for a running worker to execute it."

    def add_arguments(self, parser):
        parser.add_argument("--store", default="demo", help="store slug (default: demo)")
        parser.add_argument("--timeout", type=float, default=30)

    def handle(self, *args, **options):
        store = store_from_option(options["store"])
        with schema_context(store.schema_name):
            result = report_schema_task.delay("check_worker")
        try:
            answer = result.get(timeout=options["timeout"])
        except CeleryTimeout as exc:
            raise CommandError(
                f"No worker answered within {options['timeout']:.0f} s. Is `make run` running?"
            ) from exc
        if answer["schema"] != store.schema_name:
            raise CommandError(f"Task ran in schema {answer['schema']!r}, expected {store.slug!r}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Worker ran the task in schema {answer['schema']!r} "
                f"({answer['users']} users there)."
            )
        )
