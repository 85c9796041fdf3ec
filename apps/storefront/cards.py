"""Product cards of listings, rendered once and kept in the store's cache.

A card (name, brand, price, rating, thumbnail, link) looks the same in every listing that shows
the product, and a search page shows 24 of them: reading and rendering them was a third of a
search page's work. Each card's HTML is cached per store, product and market (currency, rate
and rounding: a rate import re-keys the cards) under the
store's catalog version (``apps.catalog.product_cache``, the one the product page's cache uses),
which moves on whenever a product's own data changes — product fields, variants and prices,
options, images and their thumbnails, rating, status, deletion. Stock changes do not touch
cards (a card shows no stock). Cache keys carry the store's schema (django_tenants.cache.make_key).

The home page and every listing use these cards; their markup is one template,
``storefront/includes/_product_card.html`` (a theme can override it). A listing renders it only
for the cards its cache misses.
"""

from collections.abc import Sequence

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from apps.catalog import product_cache
from apps.catalog import selectors as catalog_selectors
from apps.checkout import promotions
from apps.core import redis_outage
from apps.markets.pricing import MarketView, price_in_market

CARD_TEMPLATE = "storefront/includes/_product_card.html"
CARD_CACHE_SECONDS = 3600


def render_product_cards(*, ids: Sequence[int], market: MarketView) -> list[SafeString]:
    """The cards of the sellable products among ``ids``, in the order of ``ids``."""
    cards = render_cards_by_id(ids=ids, market=market)
    return [cards[product_id] for product_id in ids if product_id in cards]


def render_cards_by_id(*, ids: Sequence[int], market: MarketView) -> dict[int, SafeString]:
    """The cards of the sellable products among ``ids`` by product id (several lists of one
    page in one cache read: the home page's featured and new products)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    version = product_cache.current_version()
    rules = promotions.rules_for(ids)
    # One Redis hash per store, catalog version and currency, one field per product: a page's
    # cards are one HMGET and one HSET (per-key get_many/set_many cost 3-4x the CPU in
    # redis-py). The hash expires CARD_CACHE_SECONDS after its last write; a version bump
    # leaves the old hash to expire unread.
    key = cache.make_key(
        f"storefront:cards:{version}:{promotions.live_key(rules)}:{market.price_key}"
    )
    redis = get_redis_connection("default")
    fields = [str(product_id) for product_id in ids]
    try:
        cached = redis.hmget(key, fields)
    except RedisError as exc:  # Redis down: render every card, as on a cold cache
        redis_outage.note_failure("product card cache read", exc)
        cached = [None] * len(fields)
    html = {
        product_id: text.decode()
        for product_id, text in zip(ids, cached, strict=True)
        if text is not None
    }
    missing = [product_id for product_id in ids if product_id not in html]
    if missing:
        fresh = _render(catalog_selectors.list_product_cards(ids=missing), market, rules)
        html.update(fresh)
        if fresh:
            pipe = redis.pipeline(transaction=False)
            pipe.hset(key, mapping={str(product_id): text for product_id, text in fresh.items()})
            pipe.expire(key, CARD_CACHE_SECONDS)
            try:
                pipe.execute()
            except RedisError as exc:
                redis_outage.note_failure("product card cache write", exc)
    # Rendered by the card template with autoescaping: safe to insert as is.
    return {product_id: mark_safe(text) for product_id, text in html.items()}  # noqa: S308


def _render(products: list[catalog_selectors.ProductCard], market: MarketView, rules) -> dict:
    return {product.id: card_html(product, market, rules) for product in products}


def card_html(card, market: MarketView, rules=None) -> str:
    """One card's markup (``storefront/includes/_product_card.html``, autoescaped); ``card`` is
    a ``ProductCard`` or a ``Product`` from the catalog selectors (url, image_url, min_price
    and variant_count annotated). Listings render it only for the cards their cache misses.
    """
    promo = promotions.get_unit_price(
        price=card.min_price, product_id=card.id, category_id=card.category_id, rules=rules
    )
    # The store's prices converted (rate, rounding): a card shows the product's lowest price.
    sale = promo.sale_price
    return get_template(CARD_TEMPLATE).render({
        "product": card,
        "currency": market.currency,
        "price": market.product_min_price(card.id, card.min_price),
        "sale_price": price_in_market(sale, market) if sale is not None else None,
        "promo": promo,
    })  # fmt: skip
