"""Market reads: the active markets of the current store as ``MarketView`` (cached per store)."""

import hashlib
from dataclasses import replace
from decimal import Decimal

from apps.catalog.models import Variant
from apps.core import store_cache
from apps.markets.exceptions import UnknownCurrency
from apps.markets.models import Market, MarketPrice, MarketShippingRate, MarketVoucher
from apps.markets.pricing import MarketView
from apps.tenants.selectors import get_current_store

# Every active market with its fixed prices and overrides: read on every storefront page
# (header selector, prices), changed a few times a day at most (rate imports). One entry per
# store (``store_cache`` keys are tenant-scoped); any market row saved or deleted drops it.
MARKETS_CACHE_KEY = "markets:active"
store_cache.warm_with_generation(MARKETS_CACHE_KEY)  # every page's market picker


def _load_markets() -> dict[str, MarketView]:
    markets = list(Market.objects.filter(is_active=True))
    ids = [m.pk for m in markets]
    prices: dict[int, dict] = {pk: {} for pk in ids}
    for market_id, variant_id, price in MarketPrice.objects.filter(market_id__in=ids).values_list(
        "market_id", "variant_id", "price"
    ):
        prices[market_id][variant_id] = price
    rates: dict[int, dict] = {pk: {} for pk in ids}
    for row in MarketShippingRate.objects.filter(market_id__in=ids).values_list(
        "market_id", "shipping_method_id", "price", "free_over"
    ):
        rates[row[0]][row[1]] = (row[2], row[3])
    vouchers: dict[int, dict] = {pk: {} for pk in ids}
    for row in MarketVoucher.objects.filter(market_id__in=ids).values_list(
        "market_id", "voucher_id", "value", "minimum_subtotal"
    ):
        vouchers[row[0]][row[1]] = (row[2], row[3])
    base = get_current_store().currency.upper()
    views = {}
    for m in markets:
        if m.currency == base:  # a market in the store's own currency is the store itself
            continue
        view = MarketView(
            currency=m.currency,
            base_currency=base,
            rate=m.exchange_rate,
            rounding=m.rounding,
            market_id=m.pk,
            name=m.name,
            countries=tuple(m.countries),
            rate_source=m.rate_source,
            rate_updated_at=m.rate_updated_at,
            fixed_prices=prices[m.pk],
            shipping_rates=rates[m.pk],
            voucher_amounts=vouchers[m.pk],
        )
        views[m.currency] = replace(view, **_product_min_prices(view))
    return views


def _product_min_prices(market: MarketView) -> dict:
    """The lowest price of each product that has a fixed price in ``market`` (its active
    variants: fixed, else converted), and a digest of the fixed prices for cache keys."""
    if not market.fixed_prices:
        return {}
    rows = (
        Variant.objects.filter(
            active=True,
            product__in=Variant.objects.filter(pk__in=list(market.fixed_prices)).values(
                "product_id"
            ),
        )
        .values_list("product_id", "id", "price")
        .order_by()
    )
    lowest: dict[int, Decimal] = {}
    for product_id, variant_id, price in rows:
        here = market.variant_price(variant_id, price)
        lowest[product_id] = min(here, lowest.get(product_id, here))
    digest = hashlib.sha1(  # noqa: S324 - a cache key, not a secret
        repr(sorted(market.fixed_prices.items())).encode()
    ).hexdigest()[:12]
    return {"product_min_prices": lowest, "prices_digest": digest}


def _active() -> dict[str, MarketView]:
    return store_cache.get_or_load(MARKETS_CACHE_KEY, _load_markets)


def base_market() -> MarketView:
    """The store's own currency, as a market (rate 1, no rounding)."""
    currency = get_current_store().currency.upper()
    return MarketView(currency=currency, base_currency=currency, name=currency)


def list_markets() -> list[MarketView]:
    """The store's currency first, then every active market by name (the header selector)."""
    return [base_market(), *sorted(_active().values(), key=lambda m: m.name)]


def get_market(currency: str | None) -> MarketView:
    """The market selling in ``currency`` (blank or the store's currency: the store itself).
    Raises UnknownCurrency when no active market sells in it."""
    code = (currency or "").strip().upper()
    base = base_market()
    if not code or code == base.currency:
        return base
    market = _active().get(code)
    if market is None:
        raise UnknownCurrency(
            f"This store does not sell in {code[:3]}.",
            extra={"currencies": [m.currency for m in list_markets()]},
        )
    return market


def find_market(currency: str | None) -> MarketView:
    """Like ``get_market``, but the store's currency for an unknown or retired one (a cookie
    or a cart may name a market the merchant has since switched off)."""
    try:
        return get_market(currency)
    except UnknownCurrency:
        return base_market()


def market_for_country(country: str) -> MarketView:
    """The active market that lists ``country``, else the store's currency."""
    code = (country or "").strip().upper()
    for market in _active().values():
        if code and code in market.countries:
            return market
    return base_market()
