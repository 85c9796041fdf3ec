import time

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.catalog import product_import
from apps.catalog.management.progress import ProgressBar
from apps.tenants.commands import store_from_option


class Command(BaseCommand):
    help = (
        "Import products from a CSV file (one row per variant; columns documented in "
        "apps/catalog/product_import.py and the README). Nothing is imported if a row is bad, "
        "unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file (UTF-8)")
        parser.add_argument("--store", required=True, help="store slug")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the good rows, report the bad"
        )

    def handle(self, *args, file: str, store: str, skip_invalid: bool, **options):
        target = store_from_option(store)
        bar = ProgressBar(self.stderr)
        started = time.perf_counter()
        try:
            with schema_context(target.schema_name):
                report = product_import.import_products_file(
                    file, skip_invalid=skip_invalid, progress=bar
                )
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        except product_import.ImportFailed as exc:
            bar.finish()
            self._report_errors(exc.errors)
            raise CommandError(exc.message) from exc
        bar.finish()
        if report.errors:
            self._report_errors(report.errors)
            self.stderr.write(f"{len(report.errors)} bad row(s) skipped.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.imported_rows} of {report.rows} rows in "
                f"{time.perf_counter() - started:.1f}s: products {report.products_created} "
                f"created, {report.products_updated} updated; variants "
                f"{report.variants_created} created, {report.variants_updated} updated."
            )
        )
        for note in report.notes:
            self.stdout.write(note)

    def _report_errors(self, errors) -> None:
        for line, reason in errors:
            self.stderr.write(f"line {line}: {reason}")
