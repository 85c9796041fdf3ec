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
from apps.tenants import public_urls
from apps.tenants.selectors import get_store_by_slug

DEFAULT_WEB_PORT = "8000"


def web_port() -> str:
    """The port the web process listens on: ``PORT`` as given to `make run`, else 8000."""
    return os.environ.get("PORT") or DEFAULT_WEB_PORT


def public_environment() -> dict[str, str]:
    """The public base every process of `make run` shares: ``PUBLIC_PORT`` as configured,
    else the web's port (the links must reach the web process, whichever process writes them)."""
    return {
        "PUBLIC_SCHEME": settings.PUBLIC_SCHEME,
        "PUBLIC_PORT": settings.PUBLIC_PORT or web_port(),
    }


class Command(BaseCommand):
    help = "Migrate, create the demo store once, print its URLs, then run web + worker + beat."

    def add_arguments(self, parser):
        parser.add_argument("--no-start", action="store_true", help="prepare and print only")

    def handle(self, *args, **options):
        call_command("migrate_schemas", interactive=False, verbosity=0)
        self.stdout.write("Database migrated (public, stores, store template).")
        call_command("collectstatic", interactive=False, verbosity=0)
        # The banner, and every process honcho starts below, render links with this public
        # base: honcho gives each process its own PORT (web = the base, worker +100, beat
        # +200), so without it the worker's emails would link to the worker's port.
        environment = public_environment()
        settings.PUBLIC_SCHEME = environment["PUBLIC_SCHEME"]
        settings.PUBLIC_PORT = environment["PUBLIC_PORT"]
        os.environ.update(environment)
        call_command("seed_demo")
        self._print_banner(get_store_by_slug(seeding.DEMO_SLUG))
        if options["no_start"]:
            return
        honcho = shutil.which("honcho")
        if honcho is None:
            raise CommandError("honcho is not installed; run `make run` (it installs it).")
        sys.stdout.flush()
        os.execv(honcho, [honcho, "start", "--port", web_port(), "web", "worker", "beat"])

    def _print_banner(self, store) -> None:
        platform = public_urls.platform_url()
        account = public_urls.store_url(store, "/account/")
        lines = [
            "",
            "=" * 72,
            "  Mercato is starting (web + worker + beat). Ctrl-C stops everything.",
            f"  Storefront:     {public_urls.store_url(store)}",
            f"  Store admin:    {public_urls.store_url(store, '/admin/')}",
            f"  Demo login:     {seeding.DEMO_OWNER_EMAIL} / {seeding.DEMO_OWNER_PASSWORD}",
            f"  Staff login:    {demo_reviews.DEMO_STAFF_EMAIL} / "
            f"{demo_reviews.DEMO_STAFF_PASSWORD}  (staff role: no settings, no staff management)",
            f"  Shopper login:  {demo_orders.DEMO_CUSTOMER_EMAIL} / "
            f"{demo_orders.DEMO_CUSTOMER_PASSWORD}  (at {account})",
            f"  Voucher code:   {demo_orders.DEMO_VOUCHER} (10% off)",
            f"  Platform:       {platform}   (open a store at {platform}signup/)",
            f"  Platform admin: {platform}admin/  ({seeding.PLATFORM_ADMIN_EMAIL} / "
            f"{seeding.DEMO_OWNER_PASSWORD})",
            f"  Mail (dev):     {settings.EMAIL_FILE_PATH}/",
            "=" * 72,
            "",
        ]
        self.stdout.write("\n".join(lines))
