"""Rendered fragments of storefront pages, kept in the store's cache.

A page that misses the page cache (a signed-in shopper, the first view after a catalog change)
still renders its widgets: a recommendation strip of six cards cost about 3 ms, half the
product page's template time. Both fragments live under the store's catalog version
(``apps.catalog.product_cache``: every catalog write drops them); keys go through the cache's
``make_key`` (django-tenants), so each store has its own, and web processes keep a copy
(``apps.core.store_cache``).

- **Recommendation strips**: the markup depends only on what the strip shows — its products
  (name, brand, price: catalog data), whether each is in stock, the currency — and the key is
  made of exactly those inputs, so a stock change makes a new key.
- **A product's reviews, for visitors who are not signed in** (signed-in shoppers see their own
  review, vote buttons and forms): per product, sort and page. Publishing, editing or deleting
  a review refreshes the product's rating, which moves the catalog version; a helpful vote does
  not, so vote counts show within ``REVIEWS_FRAGMENT_SECONDS`` (the page cache's own bound for
  anonymous pages). The CSP nonce of the page that rendered it is a marker in the cached copy.
"""

import hashlib

from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from apps.catalog import product_cache
from apps.markets.pricing import MarketView
from apps.recommendations import selectors as recommendation_selectors
from apps.storefront import review_views

WIDGET_TEMPLATE = "recommendations/includes/_widget.html"
REVIEWS_TEMPLATE = "reviews/includes/_product_reviews.html"
REVIEWS_FRAGMENT_SECONDS = settings.PAGE_CACHE_SECONDS
NONCE_MARK = "<!--fragment:nonce-->"


def recommendation_widget_html(
    widget: recommendation_selectors.WidgetView | None, *, market: MarketView
) -> SafeString:
    """The strip's markup (``recommendations/includes/_widget.html``), from the cache when the
    same products, stock and market prices were shown since the last catalog change."""
    if not widget:
        return mark_safe("")
    shown = ",".join(f"{item.product.id}:{int(item.in_stock)}" for item in widget.items)
    digest = hashlib.sha256(f"{widget.widget}|{market.price_key}|{shown}".encode()).hexdigest()[:32]

    def render() -> str:
        # Each product's lowest price in the market (its fixed prices, else converted).
        entries = [
            # min_price: annotated by the recommendation selectors.
            (item, market.product_min_price(item.product.id, item.product.min_price))  # type: ignore[attr-defined]
            for item in widget.items
        ]
        context = {"widget": widget, "entries": entries, "currency": market.currency}
        return get_template(WIDGET_TEMPLATE).render(context)

    # Rendered by the template with autoescaping: safe to insert as is.
    return mark_safe(product_cache.get_or_load(f"recs-html:{digest}", render))  # noqa: S308


def product_reviews_html(request, product) -> SafeString:
    """The product's review block for a visitor who is not signed in (see the module)."""
    sort = request.GET.get("sort", "")
    page = request.GET.get("page", "")
    digest = hashlib.sha256(f"{product.id}|{sort}|{page}".encode()).hexdigest()[:32]
    nonce = str(getattr(request, "csp_nonce", ""))

    def render() -> str:
        context = {"request": request, "user": request.user}
        context.update(review_views.reviews_context(request, product))
        html = get_template(REVIEWS_TEMPLATE).render(context)
        return html.replace(nonce, NONCE_MARK) if nonce else html

    html = product_cache.get_or_load(
        f"reviews-html:{digest}", render, timeout=REVIEWS_FRAGMENT_SECONDS
    )
    # Rendered by the template with autoescaping: safe to insert as is.
    return mark_safe(html.replace(NONCE_MARK, nonce))  # noqa: S308
