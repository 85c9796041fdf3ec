"""Searching the current store's catalog (reads)."""

from django.conf import settings
from django.core.cache import cache

from apps.search.backends import get_backend
from apps.search.query import Facets, SearchQuery, SearchResult
from apps.search.services import FACETS_VERSION_KEY


def search_products(*, query: SearchQuery) -> SearchResult:
    """One page of matching product ids, the total and facet counts.

    Facet counts do not depend on the page or the sort, so they are cached for a short while
    per result set (settings.SEARCH_FACET_CACHE_SECONDS); any index change invalidates them.
    """
    backend = get_backend()
    ttl = settings.SEARCH_FACET_CACHE_SECONDS
    key = None
    facets: Facets | None = None
    if ttl > 0:
        version = cache.get(FACETS_VERSION_KEY, 0)
        key = f"search:facets:{backend.name}:{version}:{query.facet_cache_key()}"
        facets = cache.get(key)
    result = backend.search(query, with_facets=facets is None)
    if facets is None:
        if key is not None:
            cache.set(key, result.facets, timeout=ttl)
    else:
        result.facets = facets
    return result
