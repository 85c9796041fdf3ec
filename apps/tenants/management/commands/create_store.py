import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.tenants import public_urls, services


class Command(BaseCommand):
    help = "Open a store: schema cloned from the template, domain <slug>.<PLATFORM_DOMAIN>, owner."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--country", default="US")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            store = services.create_store(
                name=options["name"],
                slug=options["slug"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
                currency=options["currency"].upper(),
                country=options["country"].upper(),
            )
        except ValidationError as exc:
            lines = [
                f"  {field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            ]
            raise CommandError("The store was not created:\n" + "\n".join(lines)) from exc
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.stdout.write(
            self.style.SUCCESS(f"Created store {store.name!r} in {elapsed_ms:.0f} ms")
            + f"\n  storefront: {public_urls.store_url(store)}"
            + f"\n  admin:      {public_urls.store_url(store, '/admin/')}"
        )
