"""Product cards of listings, rendered once and kept in the store's cache.

A card (name, brand, price, rating, thumbnail, link) looks the same in every listing that shows
the product, and a search page shows 24 of them: reading and rendering them was a third of a
search page's work. Each card's HTML is cached per store, product and currency under the
store's catalog version (``search_services.CATALOG_VERSION_KEY``), which moves on whenever a
product's own data changes — product fields, variants and prices, options, images and their
thumbnails, rating, status, deletion — through ``search_services.mark_products_changed`` /
``remove_products`` / ``invalidate_catalog``. Stock changes do not touch cards (a card shows
no stock). Cache keys carry the store's schema (django_tenants.cache.make_key).
"""

from collections.abc import Sequence

from django.core.cache import cache
from django.template import Context
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from apps.catalog import selectors as catalog_selectors
from apps.search.services import CATALOG_VERSION_KEY

CARDS_TEMPLATE = "storefront/includes/_product_cards.html"
CARD_END = "</article>"
CARD_CACHE_SECONDS = 3600


def render_product_cards(*, ids: Sequence[int], currency: str) -> list[SafeString]:
    """The cards of the sellable products among ``ids``, in the order of ``ids``."""
    if not ids:
        return []
    version = cache.get(CATALOG_VERSION_KEY, 0)
    keys = {product_id: f"storefront:card:{version}:{currency}:{product_id}" for product_id in ids}
    cached = cache.get_many(list(keys.values()))
    html = {product_id: cached[key] for product_id, key in keys.items() if key in cached}
    missing = [product_id for product_id in ids if product_id not in html]
    if missing:
        fresh = _render(catalog_selectors.list_product_cards(ids=missing), currency)
        html.update(fresh)
        if fresh:
            cache.set_many(
                {keys[product_id]: text for product_id, text in fresh.items()},
                timeout=CARD_CACHE_SECONDS,
            )
    # Rendered by our own template with autoescaping: safe to insert as is.
    return [mark_safe(html[product_id]) for product_id in ids if product_id in html]  # noqa: S308


def _render(products: list[catalog_selectors.ProductCard], currency: str) -> dict[int, str]:
    """Each card's HTML, from one render of the cards template (a render per card cost more
    than the cards themselves)."""
    if not products:
        return {}
    template = get_template(CARDS_TEMPLATE).template
    output = template.render(
        Context({"products": products, "store": {"currency": currency}}, autoescape=True)
    )
    parts = [part.strip() + CARD_END for part in output.split(CARD_END)[:-1]]
    if len(parts) != len(products):
        raise ValueError(f"{CARDS_TEMPLATE} must render one {CARD_END} per product")
    return {product.id: part for product, part in zip(products, parts, strict=True)}
