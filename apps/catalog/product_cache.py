"""The product page's product structure, cached per store behind a catalog version.

A product page showed the product, its active variants with their option values, its images
and its category from four queries on every view (the most expensive part of the page). They
change when a merchant edits the catalog, which is rare next to views: the structure is
cached per store and per slug under the store's current *catalog version*, and every catalog
write moves the version on, so the next view loads afresh. Availability is never cached:
the page reads stock live.

Keys go through the cache's ``make_key`` (django-tenants), so each store has its own version
and entries. The version moves:

- on every save and delete of a Product, Variant, ProductOption, OptionValue, ProductImage or
  Category, and on changes of a variant's option values (signals, connected in ``apps.py``);
- explicitly in the write paths that bypass model signals (``QuerySet.update``, bulk inserts,
  raw SQL): ``catalog.services``, product import, the demo catalog generator, thumbnails,
  ratings.

Like ``apps.core.store_cache``, a bump happens at once and again when the transaction commits
(a view that re-read the old rows meanwhile may have cached them under the new version). The
entries also expire after ``TIMEOUT_SECONDS``, a backstop for a write path that forgets.
"""

import functools
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.core import store_cache

T = TypeVar("T")
VERSION_KEY = "catalog:version"
TIMEOUT_SECONDS = 300

# clear_all() (a store created again under an old schema name, tests) forgets the version too.
store_cache.ALL_KEYS.add(VERSION_KEY)
store_cache.read_with_generation(VERSION_KEY)  # most pages that read one read both


def current_version() -> int:
    """The store's catalog version, read once per request (a page asked for it four times)."""
    return store_cache.read_once(VERSION_KEY, _read_version)


def _read_version() -> int:
    return store_cache.read_version(VERSION_KEY)


def bump_version() -> None:
    """Every cached product of the current store is out of date (call after a catalog write).

    Bumps now, and once more when the outermost transaction commits (one callback per
    transaction and store, however many rows it writes).
    """
    _bump()
    if not connection.in_atomic_block:
        store_cache.pages_dropped()  # committed already: the storefront renders its home page
        return
    schema = connection.schema_name
    if any(getattr(func, "catalog_bump_schema", None) == schema for _, func, _ in (
        connection.run_on_commit
    )):  # fmt: skip
        return
    bump_after_commit = functools.partial(_bump_in, schema)
    bump_after_commit.catalog_bump_schema = schema
    transaction.on_commit(bump_after_commit)


def _bump() -> None:
    store_cache.set_version(VERSION_KEY, time.time_ns())  # this request reads it too


def _bump_in(schema: str) -> None:
    with schema_context(schema):
        _bump()
        store_cache.pages_dropped()  # the storefront renders its home page again


def get_or_load(name: str, load: Callable[[], T], *, timeout: int = TIMEOUT_SECONDS) -> T:
    """The entry ``name`` of the current catalog version, loaded and stored on a miss (kept
    ``timeout`` seconds: less for entries that also show data a catalog write does not move).

    ``load`` may raise (a product that does not exist): nothing is cached then.
    """
    return store_cache.get_or_load(f"catalog:{current_version()}:{name}", load, timeout=timeout)


def get_many_or_load(
    name: str, ids: Iterable[int], load: Callable[[set[int]], dict[int, T]]
) -> dict[int, T]:
    """Entries ``name:<id>`` of the current catalog version for ``ids``, in one cache read
    (none for those this web process holds, see ``store_cache``); the missing ones loaded
    together by ``load(missing ids)`` and stored. An id ``load`` does not return is remembered
    as absent too (and left out of the answer)."""
    ids = set(ids)
    if not ids:
        return {}
    prefix = f"catalog:{current_version()}:{name}:"

    def load_keys(keys: list[str]) -> dict[str, T | None]:
        missing = {int(key[len(prefix) :]) for key in keys}
        loaded = load(missing)
        return {f"{prefix}{pk}": loaded.get(pk) for pk in missing}

    found = store_cache.get_many_or_load(
        [f"{prefix}{pk}" for pk in ids], load_keys, timeout=TIMEOUT_SECONDS
    )
    return {int(key[len(prefix) :]): value for key, value in found.items() if value is not None}


def bump_on_change(*models) -> None:
    """Bump the version whenever a row of these models is saved or deleted (from ``ready``)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def receiver(sender, **kwargs):
        if kwargs.get("raw"):  # loading fixtures
            return
        if kwargs.get("action", "post_").startswith("pre_"):
            return
        bump_version()

    for model in models:
        uid = f"catalog_version:{model._meta.label}"
        if model._meta.auto_created:  # a many-to-many table: its changes come as m2m_changed
            m2m_changed.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":m2m")
            continue
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")
