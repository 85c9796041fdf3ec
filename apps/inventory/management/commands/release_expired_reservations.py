from apps.inventory import services
from apps.tenants.commands import PerStoreCommand


class Command(PerStoreCommand):
    help = "Release expired stock reservations now (what the every-minute beat task does)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=500)

    def handle_store(self, store, options: dict) -> None:
        released = services.release_expired(batch_size=options["batch_size"])
        self.stdout.write(f"{store.schema_name}: released {released} expired reservation(s)")
