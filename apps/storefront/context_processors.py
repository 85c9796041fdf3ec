from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from apps.catalog import selectors as catalog_selectors
from apps.core import store_cache

CANONICAL_HOST_SECONDS = 300


def navigation(request):
    """Top-level categories for the storefront header; queried only if a template uses them."""
    if getattr(request, "store", None) is None:
        return {}
    return {
        "nav_categories": SimpleLazyObject(nav_categories),
        "canonical_base": SimpleLazyObject(lambda: canonical_base(request)),
    }


NAV_CACHE_KEY = "storefront:nav-categories"


def nav_categories() -> list:
    """The header's top-level categories (cached; dropped when a category changes)."""
    return store_cache.get_or_load(
        NAV_CACHE_KEY, lambda: list(catalog_selectors.list_top_categories())
    )


def canonical_base(request) -> str:
    """Scheme and host of the store's primary domain, so a page has one canonical URL.

    A store reachable at both its subdomain and a custom domain names the primary one. Cached
    per store (cache keys carry the schema).
    """
    host = cache.get("storefront:canonical-host")
    if host is None:
        domain = request.store.domains.filter(is_primary=True).values_list("domain", flat=True)
        host = domain.first() or request.get_host().split(":")[0]
        cache.set("storefront:canonical-host", host, CANONICAL_HOST_SECONDS)
    port = request.get_port()
    suffix = "" if port in ("80", "443") else f":{port}"
    return f"{request.scheme}://{host}{suffix}"
