import sys

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.catalog import product_export
from apps.tenants import selectors as tenant_selectors
from apps.tenants.models import Store


class Command(BaseCommand):
    help = "Export a store's products as CSV in the import format (to a file or stdout)."

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="store slug")
        parser.add_argument("-o", "--output", help="file to write (default: stdout)")

    def handle(self, *args, store: str, output: str | None, **options):
        try:
            target = tenant_selectors.get_store_by_slug(store)
        except Store.DoesNotExist as exc:
            raise CommandError(f"No store with slug “{store}”.") from exc
        with schema_context(target.schema_name):
            if output:
                with open(output, "w", newline="", encoding="utf-8") as out:
                    rows = product_export.export_products(out)
                self.stderr.write(f"{rows} rows written to {output}")
            else:
                product_export.export_products(sys.stdout)
