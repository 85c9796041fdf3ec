from django.core.management.base import CommandError

from apps.inventory import services
from apps.tenants.commands import PerStoreCommand


class Command(PerStoreCommand):
    help = (
        "Compare stock counters with the ledger (on_hand) and the live holds (reserved); "
        "report drift per SKU and, with --repair, fix it with a ledger correction row."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--repair", action="store_true", help="fix the drift found")

    def handle(self, *args, **options):
        self.unrepaired = 0
        super().handle(*args, **options)
        if self.unrepaired:
            raise CommandError(f"{self.unrepaired} stock row(s) drifted and were not repaired.")

    def handle_store(self, store, options: dict) -> None:
        drift = services.reconcile_stock(repair=options["repair"])
        if not drift:
            self.stdout.write(f"{store.schema_name}: no drift")
            return
        for row in drift:
            fixed = options["repair"] and row.repairable
            self.unrepaired += not fixed
            self.stdout.write(
                f"{store.schema_name}: {row.sku} @ {row.warehouse_name}: "
                f"on_hand {row.on_hand} (ledger {row.ledger_on_hand}), "
                f"reserved {row.reserved} (live holds {row.live_reserved})"
                + (" — repaired" if fixed else "")
            )
