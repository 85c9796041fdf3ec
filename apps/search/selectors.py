"""Searching the current store's catalog (reads)."""

from dataclasses import replace

from django.conf import settings
from django.core.cache import cache

from apps.observability import metrics
from apps.search import sql
from apps.search.backends import get_backend
from apps.search.query import SearchQuery, SearchResult
from apps.search.services import FACETS_VERSION_KEY


def search_products(*, query: SearchQuery) -> SearchResult:
    """One page of matching product ids, the total and facet counts.

    Pages and facet counts are cached for a short while (settings.SEARCH_CACHE_SECONDS) under
    the store's index version, which every index change moves on (services.invalidate_facets),
    so a cached answer is never older than the catalog it came from by more than that version
    bump. Facets are cached per result set (page and sort do not change them), so paging and
    sorting reuse them. Cache keys carry the store's schema (django_tenants.cache.make_key).
    """
    backend = get_backend()
    ttl = settings.SEARCH_CACHE_SECONDS
    if ttl <= 0:
        return backend.search(query)
    version = cache.get(FACETS_VERSION_KEY, 0)
    prefix = f"search:{backend.name}:{version}"
    facets_key = f"{prefix}:facets:{query.facet_cache_key()}"
    page_key = f"{prefix}:page:{query.page_cache_key()}"
    cached = cache.get_many([facets_key, page_key])
    facets, page = cached.get(facets_key), cached.get(page_key)
    metrics.cache_requests.labels("search", "miss" if page is None else "hit").inc()
    if facets is not None and page is not None:
        return replace(page, facets=facets)
    with metrics.timed(metrics.search_duration, backend=backend.name):
        result = backend.search(query, with_facets=facets is None)
    if facets is None:
        facets = result.facets
    cache.set_many(
        {facets_key: facets, page_key: replace(result, facets=None)},
        timeout=ttl,
    )
    return replace(result, facets=facets)


def product_in_stock_sql(*, product_column: str) -> str:
    """SQL condition: the product whose id is ``product_column`` has a sellable unit now.

    The same definition the index's in-stock flag is computed with (active variants' free
    units, as ``inventory_free_stock`` defines them), for callers that must answer live, such
    as automated collections. One ``%s`` parameter: the current time.
    """
    return sql.IN_STOCK_SQL.format(product=product_column, now="%s")
