import functools

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from apps.catalog import collections as collection_selectors
from apps.catalog import selectors as catalog_selectors
from apps.content import selectors as content_selectors
from apps.content import services as content_services
from apps.core import store_cache
from apps.markets import selectors as market_selectors
from apps.payments.gateways import registry as gateway_registry
from apps.storefront import markets
from apps.storefront.carts import cart_item_count
from apps.tenants import public_urls

CANONICAL_HOST_KEY = "storefront:canonical-host"
CANONICAL_HOST_SECONDS = 300
store_cache.warm_with_generation(CANONICAL_HOST_KEY, timeout=CANONICAL_HOST_SECONDS)


def navigation(request):
    """Top-level categories and collections for the storefront header; queried only if a
    template uses them."""
    if getattr(request, "store", None) is None:
        return {}
    return {
        "nav_categories": SimpleLazyObject(
            lambda: [
                c for c in catalog_selectors.list_categories_for_storefront() if c.parent_id is None
            ]
        ),
        # Published collections in menu order (the first few are in the header).
        "nav_collections": SimpleLazyObject(collection_selectors.list_collections_for_storefront),
        "canonical_base": SimpleLazyObject(lambda: canonical_base(request)),
        "chrome_urls": chrome_urls(get_script_prefix(), get_urlconf()),
        # The "test mode" banner: the store's gateway takes no real payments.
        "payments_test_mode": SimpleLazyObject(gateway_registry.store_in_test_mode),
        # A dict, so templates read a real int (``cart.count|pluralize``); counted on first use.
        "cart_header": SimpleLazyObject(lambda: {"count": cart_item_count(request)}),
        # The store's theme (colours, logo, hero, announcement, footer) and its footer pages.
        "theme": SimpleLazyObject(lambda: storefront_theme(request)),
        "footer_pages": SimpleLazyObject(content_selectors.list_footer_pages),
        "policy_pages": SimpleLazyObject(content_selectors.list_policy_pages),
        # The shopper's currency (``markets.current_market``) and the store's markets, for
        # prices and the header's currency selector.
        "market": SimpleLazyObject(lambda: markets.current_market(request)),
        "markets": SimpleLazyObject(market_selectors.list_markets),
        # Rendering for the page cache: per-visitor parts become markers (see page_cache).
        "page_cache_render": getattr(request, "page_cache", None) is not None,
    }


def storefront_theme(request) -> content_selectors.StorefrontTheme:
    """The cached theme, with the unsaved values of a signed admin preview link over it."""
    theme = content_selectors.get_storefront_theme()
    token = request.GET.get("theme_preview")
    if token:
        values = content_services.read_theme_preview(token)
        if values is not None:
            return theme.with_values(values)
    return theme


CHROME_URL_NAMES = {
    "home": "storefront:home",
    "search": "storefront:search",
    "cart": "cart:detail",
    "account": "account:home",
    "login": "account:login",
    "order_lookup": "orders:lookup",
}


@functools.cache
def chrome_urls(script_prefix: str, urlconf: str | None) -> dict[str, str]:
    """The links of the storefront's header and footer, the same on every page and for every
    store: reversed once per process (and URL prefix) instead of six times per page."""
    return {key: reverse(name, urlconf=urlconf) for key, name in CHROME_URL_NAMES.items()}


def canonical_base(request) -> str:
    """The public base (scheme, primary host, port) of the store, so a page has one canonical
    URL: a store reachable at both its subdomain and a custom domain names the primary one.

    The primary host is cached per store (cache keys carry the schema).
    """
    host = store_cache.get_or_load(
        CANONICAL_HOST_KEY,
        lambda: public_urls.primary_host(request.store),
        timeout=CANONICAL_HOST_SECONDS,
    )
    return public_urls.public_base(host)
