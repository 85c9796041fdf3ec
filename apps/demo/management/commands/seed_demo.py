from django.core.management.base import BaseCommand

from apps.demo import seeding
from apps.tenants import public_urls


class Command(BaseCommand):
    help = "Create the demo store (slug `demo`) with its catalog and stock, once."

    def handle(self, *args, **options):
        if seeding.demo_store_exists():
            self.stdout.write("Demo store already exists; leaving it as it is.")
            return
        store = seeding.create_demo_store()
        self.stdout.write(self.style.SUCCESS(f"Demo store created: {public_urls.store_url(store)}"))
