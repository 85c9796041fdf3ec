"""What `make run` does once the database and Redis answer: migrate, seed, then start everything."""

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.demo import orders as demo_orders
from apps.demo import reviews as demo_reviews
from apps.demo import seeding
from apps.tenants import services
from apps.tenants.selectors import get_store_by_slug


class Command(BaseCommand):
    help = "Migrate, create the demo store once, print its URLs, then run web + worker + beat."

    def add_arguments(self, parser):
        parser.add_argument("--no-start", action="store_true", help="prepare and print only")

    def handle(self, *args, **options):
        call_command("migrate_schemas", interactive=False, verbosity=0)
        self.stdout.write("Database migrated (public, stores, store template).")
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("seed_demo")
        self._print_banner(get_store_by_slug(seeding.DEMO_SLUG))
        if options["no_start"]:
            return
        honcho = shutil.which("honcho")
        if honcho is None:
            raise CommandError("honcho is not installed; run `make run` (it installs it).")
        port = settings.PLATFORM_PORT
        sys.stdout.flush()
        os.execv(honcho, [honcho, "start", "--port", port, "web", "worker", "beat"])

    def _print_banner(self, store) -> None:
        port = settings.PLATFORM_PORT
        platform = f"http://{settings.PLATFORM_DOMAIN}:{port}/"
        lines = [
            "",
            "=" * 72,
            "  Mercato is starting (web + worker + beat). Ctrl-C stops everything.",
            f"  Storefront:     {services.store_url(store)}",
            f"  Store admin:    {services.store_url(store, '/admin/')}",
            f"  Demo login:     {seeding.DEMO_OWNER_EMAIL} / {seeding.DEMO_OWNER_PASSWORD}",
            f"  Staff login:    {demo_reviews.DEMO_STAFF_EMAIL} / "
            f"{demo_reviews.DEMO_STAFF_PASSWORD}  (staff role: no settings, no staff management)",
            f"  Shopper login:  {demo_orders.DEMO_CUSTOMER_EMAIL} / "
            f"{demo_orders.DEMO_CUSTOMER_PASSWORD}  (at {services.store_url(store, '/account/')})",
            f"  Voucher code:   {demo_orders.DEMO_VOUCHER} (10% off)",
            f"  Platform:       {platform}   (open a store at {platform}signup/)",
            f"  Platform admin: {platform}admin/  ({seeding.PLATFORM_ADMIN_EMAIL} / "
            f"{seeding.DEMO_OWNER_PASSWORD})",
            f"  Mail (dev):     {settings.EMAIL_FILE_PATH}/",
            "=" * 72,
            "",
        ]
        self.stdout.write("\n".join(lines))
