"""Set the markets' exchange rates of one store from an ECB-format file (XML or CSV)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.markets import services
from apps.markets.exceptions import RateFileInvalid
from apps.tenants.commands import store_from_option


class Command(BaseCommand):
    help = "Import exchange rates (eurofxref-daily.xml or eurofxref.csv) into a store's markets."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the ECB-format XML or CSV file")
        parser.add_argument("--store", required=True, help="the store's slug (schema name)")

    def handle(self, *args, file: str, store: str, **options):
        target = store_from_option(store)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        with schema_context(target.schema_name):
            try:
                result = services.import_exchange_rates(content=content, filename=path.name)
            except RateFileInvalid as exc:
                raise CommandError(f"{file}: {exc.message} Nothing was changed.") from exc
        for currency, rate in sorted(result.updated.items()):
            self.stdout.write(f"{currency}: {rate}")
        if result.missing:
            self.stdout.write(f"No rate in the file for: {', '.join(result.missing)}")
