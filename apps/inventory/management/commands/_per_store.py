"""A management command that runs once in each store's schema (or in the one named)."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.tenants import selectors as tenant_selectors


class PerStoreCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--store", help="store slug (default: every active store)")

    def handle(self, *args, **options):
        if options["store"]:
            try:
                stores = [tenant_selectors.get_store_by_slug(options["store"])]
            except tenant_selectors.Store.DoesNotExist as exc:
                raise CommandError(f"No store with slug {options['store']!r}.") from exc
        else:
            stores = list(tenant_selectors.list_active_stores())
        for store in stores:
            with schema_context(store.schema_name):
                self.handle_store(store, options)

    def handle_store(self, store, options: dict) -> None:
        raise NotImplementedError
