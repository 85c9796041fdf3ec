from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.api import services
from apps.api.models import SCOPES
from apps.tenants import pods
from apps.tenants.commands import store_from_option


class Command(BaseCommand):
    help = "Create a store API key; the key is printed once and stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="store slug")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--scopes", required=True, help=f"comma-separated: {','.join(SCOPES)} (or 'all')"
        )

    def handle(self, *args, **options):
        store = store_from_option(options["store"])
        scopes = SCOPES if options["scopes"] == "all" else options["scopes"].split(",")
        with pods.store_context(store):
            try:
                key, raw = services.create_api_key(name=options["name"], scopes=scopes)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"API key {key.name!r} for {store.slug} ({', '.join(key.scopes)}):")
        self.stdout.write(raw)
