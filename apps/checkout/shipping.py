"""Which shipping methods serve an address, and what they cost for a basket."""

import math
from decimal import Decimal

from apps.checkout.models import ShippingMethod
from apps.core import store_cache
from apps.core.money import quantize
from apps.markets.pricing import MarketView

METHODS_CACHE_KEY = "checkout:shipping-methods"


def list_active_methods() -> list[ShippingMethod]:
    """Every active method with its zone, cheapest first (cached; a handful of rows)."""
    return store_cache.get_or_load(
        METHODS_CACHE_KEY,
        lambda: list(
            ShippingMethod.objects.filter(active=True)
            .select_related("zone")
            .order_by("price", "id")
        ),
    )


def list_methods_for_country(country: str) -> list[ShippingMethod]:
    country = country.upper()
    return [m for m in list_active_methods() if country in m.zone.countries]


def get_active_method(method_id: int) -> ShippingMethod | None:
    return next((m for m in list_active_methods() if m.id == method_id), None)


def method_serves(method: ShippingMethod, *, country: str, weight_grams: int) -> bool:
    if not method.active or country.upper() not in method.zone.countries:
        return False
    return method.max_weight_grams is None or weight_grams <= method.max_weight_grams


def shipping_price(method: ShippingMethod, *, subtotal: Decimal, weight_grams: int) -> Decimal:
    """Flat: the price. By weight: base price plus a rate per started kilogram. Free over X."""
    if method.free_over is not None and subtotal >= method.free_over:
        return Decimal("0.00")
    price = method.price
    if method.kind == ShippingMethod.Kind.BY_WEIGHT:
        price += method.price_per_kg * math.ceil(weight_grams / 1000)
    return quantize(price)


def price_in_market(
    method: ShippingMethod, *, subtotal: Decimal, weight_grams: int, market: MarketView
) -> Decimal:
    """The method's price in the market's currency (``subtotal`` in it too): the market's own
    rate for the method, else the store's price and threshold converted."""
    own = market.shipping_rates.get(method.pk)
    if own is not None:
        price, free_over = own
        if free_over is None and method.free_over is not None:
            free_over = market.convert(method.free_over)
        return (
            market.convert(Decimal("0"))
            if free_over is not None and subtotal >= free_over
            else price
        )
    if method.free_over is not None and subtotal >= market.convert(method.free_over):
        return market.convert(Decimal("0"))
    return market.convert(shipping_price(method, subtotal=Decimal("0"), weight_grams=weight_grams))


def list_options(
    *, country: str, subtotal: Decimal, weight_grams: int, market: MarketView | None = None
) -> list[dict]:
    """Methods available for this address and basket, each with its price (in the
    ``market``'s currency, with ``subtotal`` in it; the store's when None)."""
    methods = [
        m
        for m in list_methods_for_country(country)
        if method_serves(m, country=country, weight_grams=weight_grams)
    ]
    if market is not None and not market.is_base:
        return [
            {"method": m, "price": price_in_market(
                m, subtotal=subtotal, weight_grams=weight_grams, market=market
            )}
            for m in methods
        ]  # fmt: skip
    return [
        {"method": m, "price": shipping_price(m, subtotal=subtotal, weight_grams=weight_grams)}
        for m in methods
    ]
