import time

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from apps.search import services as search_services
from apps.search.backends import get_backend
from apps.search.tasks import reindex_store_task
from apps.tenants.commands import stores_from_option


class Command(BaseCommand):
    help = "Rebuild the search index of one store (--store SLUG) or of every store."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store slug (default: every active store)")
        parser.add_argument(
            "--queue", action="store_true", help="queue a Celery task per store instead"
        )

    def handle(self, *args, store: str | None = None, queue: bool = False, **options):
        stores = stores_from_option(store)
        backend = get_backend().name
        for target in stores:
            with schema_context(target.schema_name):
                if queue:
                    reindex_store_task.delay()
                    self.stdout.write(f"{target.schema_name}: reindex queued ({backend})")
                    continue
                started = time.perf_counter()
                count = search_services.reindex_store()
            self.stdout.write(
                f"{target.schema_name}: {count} products indexed ({backend}) "
                f"in {time.perf_counter() - started:.1f}s"
            )
