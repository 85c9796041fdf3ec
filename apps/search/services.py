"""Keeping the search index in step with the catalog and stock (writes).

Catalog services and the merchant admin call these explicitly after their writes (no signals):

- ``mark_products_changed(product_ids=...)``: a product, its variants, options or images
  changed (or it was published, archived, deleted). PostgreSQL: the documents are rewritten at
  once, in the caller's transaction, so search never disagrees with the catalog and a rollback
  undoes both. Elasticsearch: a Celery task is queued after commit.
- ``mark_stock_changed(variant_ids=...)``: for inventory and checkout. After commit, refreshes
  the in-stock flag of the affected products (PostgreSQL: one UPDATE that writes only flags
  that flip; Elasticsearch: a Celery task). A periodic sweep (``refresh_stock_flags_task``)
  catches any change made without this call, such as expired reservations.
  (Search reads catalog and inventory tables by name in ``apps/search/sql.py`` and never
  imports those apps: it sits below them. A renamed or moved category: the catalog passes its
  subtree's products to ``mark_products_changed``.)

``FACETS_VERSION_KEY`` (per store: cache keys carry the schema) moves on with every index
change, stock flags included, so search pages and facet counts can be cached. (Product pages
and listing cards are cached behind the catalog's own version, ``apps.catalog.product_cache``,
which the catalog's write paths move.)
"""

import logging
from collections.abc import Iterable

from django.core.cache import cache

from apps.core import outbox, tenancy
from apps.search import sql
from apps.search.backends import get_backend

logger = logging.getLogger(__name__)

FACETS_VERSION_KEY = "search:facets-version"


def mark_products_changed(*, product_ids: Iterable[int]) -> None:
    """Bring these products' search documents up to date with the catalog."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    backend = get_backend()
    if backend.indexes_in_transaction:
        backend.index_products(ids)
    else:
        # An outbox message: written with the catalog change, never lost to a broker outage.
        outbox.enqueue("apps.search.tasks.index_products_task", ids)
    invalidate_facets()


def mark_stock_changed(*, variant_ids: Iterable[int]) -> None:
    """Refresh the in-stock status of these variants' products once the caller commits."""
    ids = sorted(set(variant_ids))
    if not ids:
        return

    def refresh() -> None:
        product_ids = sql.list_product_ids_of_variants(ids)
        backend = get_backend()
        if backend.indexes_in_transaction:
            backend.refresh_stock(product_ids)
        else:
            from apps.search.tasks import refresh_stock_flags_task

            refresh_stock_flags_task.delay(product_ids)
        bump_facets_version()

    tenancy.on_commit(refresh, robust=True)


def remove_products(*, product_ids: Iterable[int]) -> None:
    """Drop these products from the index (they are being deleted)."""
    ids = sorted(set(product_ids))
    backend = get_backend()
    if backend.indexes_in_transaction:
        backend.remove_products(ids)
    else:
        outbox.enqueue("apps.search.tasks.remove_products_task", ids)
    invalidate_facets()


def reindex_store() -> int:
    """Rebuild the current store's whole index; return the number of products indexed."""
    count = get_backend().reindex_all()
    bump_facets_version()
    logger.info("search index rebuilt: %d products", count)
    return count


def refresh_stock_flags(*, product_ids: list[int] | None = None) -> int:
    """Recompute in-stock flags (all products when None); return how many flipped."""
    flipped = get_backend().refresh_stock(product_ids)
    if flipped:
        bump_facets_version()
    return flipped


def invalidate_facets() -> None:
    """Drop cached facet counts now and again after commit.

    Now: a rolled-back change only costs a cache miss. After commit: a listing rendered between
    the two (still seeing the old rows) cannot leave stale counts behind.
    """
    bump_facets_version()
    tenancy.on_commit(bump_facets_version)


def bump_facets_version() -> None:
    """Invalidate this store's cached facet counts (cache keys carry the store's schema)."""
    try:
        cache.incr(FACETS_VERSION_KEY)
    except ValueError:
        cache.set(FACETS_VERSION_KEY, 1, timeout=None)
