from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from apps.tenants import pod_moves, pods
from apps.tenants.commands import store_from_option


class Command(BaseCommand):
    help = (
        "Move a store's schema to another pod (copy, verify, switch with a short write pause), "
        "or drop the old copies of earlier moves (--drop-old)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="the store (with --drop-old: default all)")
        parser.add_argument("--to", dest="pod", help="the target pod (settings.PODS)")
        parser.add_argument(
            "--drop-old",
            action="store_true",
            help="drop the source copies of switched moves past the grace period",
        )
        parser.add_argument(
            "--grace-seconds",
            type=int,
            default=None,
            help="with --drop-old: the grace period (default POD_MOVE_GRACE_SECONDS)",
        )

    def handle(self, *args, **options):
        slug, pod = options["slug"], options["pod"]
        if options["drop_old"]:
            grace = options["grace_seconds"]
            dropped = pod_moves.drop_old_copies(
                slug=slug, grace=None if grace is None else timedelta(seconds=grace)
            )
            for move in dropped:
                self.stdout.write(f"dropped {move.store.schema_name} on pod {move.from_pod}")
            self.stdout.write(self.style.SUCCESS(f"{len(dropped)} old copies dropped"))
            return
        if not slug or not pod:
            raise CommandError("Name the store and the target pod: move_store SLUG --to POD.")
        store_from_option(slug)
        try:
            move = pod_moves.move_store(slug=slug, to_pod=pod)
        except pod_moves.MoveError as exc:
            raise CommandError(f"Store {slug} was not moved: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Moved {slug} from pod {move.from_pod} to {move.to_pod}: {move.tables} tables, "
                f"{move.rows} rows verified, writes paused {move.pause_ms} ms"
            )
            + f"\nStores per pod: {pods.stores_per_pod()}"
            + f"\nThe old copy stays on {move.from_pod} until `move_store {slug} --drop-old`."
        )
