import time

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.catalog.management.progress import ProgressBar
from apps.demo import generation
from apps.tenants.commands import store_from_option


class Command(BaseCommand):
    help = (
        "Add N synthetic products (variants, stock, search documents) to a store, for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="store slug")
        parser.add_argument("--products", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, store: str, products: int, seed: int, **options):
        if products < 1:
            raise CommandError("--products must be at least 1")
        target = store_from_option(store)
        bar = ProgressBar(self.stderr)
        started = time.perf_counter()
        with schema_context(target.schema_name):
            count = generation.generate_catalog(products=products, seed=seed, progress=bar)
        bar.finish()
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} products generated in {store} in {time.perf_counter() - started:.1f}s"
            )
        )
