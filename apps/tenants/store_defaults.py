"""What a new store starts with, so that it can sell at once: contributed by the apps that own it.

The platform layer (this app) imports no domain app, yet a new store needs domain rows — a
stock location, a shipping zone, a tax rate, a payment gateway choice. Each domain app
registers one callable here from its ``AppConfig.ready()`` (``register``); ``create_store``
runs them in the new store's schema, in its own transaction (``apply_store_defaults``).

Every callable is idempotent: it creates only what the store lacks (a store that already has a
stock location gets no second one), so running the defaults twice, or for a store whose seeder
made its own (the demo), creates nothing more. What they create is ordinary data, editable in
the store admin like anything the merchant entered.
"""

from collections.abc import Callable

from django.db import transaction
from django_tenants.utils import schema_context

from apps.tenants.models import Store

StoreDefault = Callable[[Store], None]

# name → callable, in registration order (INSTALLED_APPS order of the ready() calls).
_DEFAULTS: dict[str, StoreDefault] = {}


def register(name: str, create: StoreDefault) -> None:
    """Add (or replace, by ``name``) a default every new store gets. Call from ``ready()``."""
    _DEFAULTS[name] = create


def registered() -> list[str]:
    return list(_DEFAULTS)


def apply_store_defaults(store: Store) -> None:
    """Create, in the store's schema and one transaction, every default the store lacks."""
    with transaction.atomic(), schema_context(store.schema_name):
        for create in _DEFAULTS.values():
            create(store)
