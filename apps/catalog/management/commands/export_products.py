import sys

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from apps.catalog import product_export
from apps.tenants.commands import store_from_option


class Command(BaseCommand):
    help = "Export a store's products as CSV in the import format (to a file or stdout)."

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="store slug")
        parser.add_argument("-o", "--output", help="file to write (default: stdout)")

    def handle(self, *args, store: str, output: str | None, **options):
        target = store_from_option(store)
        with schema_context(target.schema_name):
            if output:
                with open(output, "w", newline="", encoding="utf-8") as out:
                    rows = product_export.export_products(out)
                self.stderr.write(f"{rows} rows written to {output}")
            else:
                product_export.export_products(sys.stdout)
