"""Which shipping methods serve an address, and what they cost for a basket."""

import math
from decimal import Decimal

from apps.checkout.models import ShippingMethod
from apps.core.money import quantize


def list_methods_for_country(country: str) -> list[ShippingMethod]:
    return list(
        ShippingMethod.objects.filter(active=True, zone__countries__contains=[country.upper()])
        .select_related("zone")
        .order_by("price", "id")
    )


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


def list_options(*, country: str, subtotal: Decimal, weight_grams: int) -> list[dict]:
    """Methods available for this address and basket, each with its price."""
    return [
        {"method": m, "price": shipping_price(m, subtotal=subtotal, weight_grams=weight_grams)}
        for m in list_methods_for_country(country)
        if method_serves(m, country=country, weight_grams=weight_grams)
    ]
