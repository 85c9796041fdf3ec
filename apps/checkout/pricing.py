"""Checkout totals: per-line rounding, discount spread over lines, tax by country.

With tax-inclusive prices (the store setting) the tax is the part of each discounted line that
is tax; otherwise tax is added on top. Shipping is not taxed here.
"""

from dataclasses import dataclass
from decimal import Decimal

from apps.checkout.models import TaxRate
from apps.core import store_cache
from apps.core.money import quantize

TAX_RATES_CACHE_KEY = "checkout:tax-rates"


@dataclass(frozen=True)
class PricedLine:
    variant_id: int
    quantity: int
    unit_price: Decimal
    line_total: Decimal  # before discount
    discount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class Totals:
    lines: list[PricedLine]
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    prices_include_tax: bool


def tax_rate_for(country: str) -> Decimal:
    if not country:
        return Decimal("0")
    rates = store_cache.get_or_load(
        TAX_RATES_CACHE_KEY, lambda: dict(TaxRate.objects.values_list("country", "rate"))
    )
    return rates.get(country.upper(), Decimal("0"))


def _spread_discount(line_totals: list[Decimal], discount: Decimal) -> list[Decimal]:
    """Allocate the discount to lines in proportion to their totals; the last takes the rest."""
    subtotal = sum(line_totals, Decimal("0"))
    if not discount or not subtotal:
        return [Decimal("0.00")] * len(line_totals)
    shares = [quantize(discount * amount / subtotal) for amount in line_totals[:-1]]
    shares.append(quantize(discount - sum(shares, Decimal("0"))))
    return shares


def compute_totals(
    *,
    lines: list[tuple[int, int, Decimal]],
    discount: Decimal,
    shipping: Decimal,
    tax_rate: Decimal,
    prices_include_tax: bool,
) -> Totals:
    """``lines`` are (variant_id, quantity, unit_price)."""
    line_totals = [quantize(price * qty) for _, qty, price in lines]
    subtotal = sum(line_totals, Decimal("0.00"))
    discount = min(quantize(discount), subtotal)
    shares = _spread_discount(line_totals, discount)
    priced = []
    for (variant_id, qty, price), amount, share in zip(lines, line_totals, shares, strict=True):
        taxable = amount - share
        if prices_include_tax:
            tax = quantize(taxable - taxable / (1 + tax_rate))
        else:
            tax = quantize(taxable * tax_rate)
        priced.append(PricedLine(variant_id, qty, price, amount, share, tax_rate, tax))
    tax_total = sum((p.tax_amount for p in priced), Decimal("0.00"))
    total = subtotal - discount + quantize(shipping)
    if not prices_include_tax:
        total += tax_total
    return Totals(
        lines=priced,
        subtotal=subtotal,
        discount_total=discount,
        shipping_total=quantize(shipping),
        tax_total=tax_total,
        total=quantize(total),
        prices_include_tax=prices_include_tax,
    )
