"""What the management commands that work on stores share: ``--store SLUG`` lookups.

``store_from_option`` turns a slug into a store or a clean ``CommandError``;
``PerStoreCommand`` runs ``handle_store`` in the schema of the store named, or of every active
store when none is.
"""

import abc

from django.core.management.base import BaseCommand, CommandError

from apps.tenants import pods, selectors
from apps.tenants.exceptions import StoreMoving
from apps.tenants.models import Store


def store_from_option(slug: str) -> Store:
    """The store a ``--store`` option names; ``CommandError`` if there is none."""
    try:
        return selectors.get_store_by_slug(slug)
    except Store.DoesNotExist as exc:
        raise CommandError(f"No store with slug {slug!r}.") from exc


def stores_from_option(slug: str | None) -> list[Store]:
    """The store ``--store`` names, or every active store when it names none."""
    if slug:
        return [store_from_option(slug)]
    return list(selectors.list_active_stores())


class PerStoreCommand(BaseCommand, abc.ABC):
    """A command run once in each store's schema (``--store`` picks one).

    Subclasses implement ``handle_store``; they may extend ``add_arguments`` (call super).
    """

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store slug (default: every active store)")

    def handle(self, *args, **options):
        for store in stores_from_option(options["store"]):
            try:
                with pods.store_context(store, writes=True):
                    self.handle_store(store, options)
            except StoreMoving as exc:
                raise CommandError(exc.message) from exc

    @abc.abstractmethod
    def handle_store(self, store: Store, options: dict) -> None:
        """Do the command's work for ``store`` (already in its schema)."""
