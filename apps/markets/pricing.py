"""The one pricing entry for markets: base amount → rate → rounding rule → minor units.

``MarketView`` is a market as pricing reads it (plain values, cached per store): the store's
own currency is a market too (rate 1, no rounding), so callers never branch on "is there a
market". Rounding rules only apply to product prices; shipping, voucher amounts and
thresholds are converted to the currency's minor unit.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from apps.core.money import quantize

ONE = Decimal("1")
ZERO = Decimal("0")
# Rule → the ending a rounded price has (.99, .95, .00): the smallest such price >= amount.
ENDINGS = {"0.99": Decimal("0.99"), "0.95": Decimal("0.95"), "whole": Decimal("0")}


@dataclass(frozen=True, eq=False)
class MarketView:
    currency: str
    base_currency: str
    rate: Decimal = ONE  # units of ``currency`` for one unit of ``base_currency``
    rounding: str = "none"
    market_id: int | None = None  # None: the store's own currency
    name: str = ""
    countries: tuple[str, ...] = ()
    rate_source: str = ""
    rate_updated_at: datetime | None = None
    fixed_prices: Mapping[int, Decimal] = field(default_factory=dict)  # variant id → price
    # Shipping method id → (price, free_over or None); voucher id → (value, minimum subtotal).
    shipping_rates: Mapping[int, tuple[Decimal, Decimal | None]] = field(default_factory=dict)
    voucher_amounts: Mapping[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    # Product id → its lowest price here, for products with a fixed price on some variant (a
    # card's "from" price; other products' lowest price is their store price converted).
    product_min_prices: Mapping[int, Decimal] = field(default_factory=dict)
    prices_digest: str = ""  # changes whenever the fixed prices do (card cache keys)

    @property
    def is_base(self) -> bool:
        return self.market_id is None

    @property
    def price_key(self) -> str:
        """Every input of the prices this market shows (currency, rate, rounding, fixed
        prices), for cache keys of rendered prices: a rate import or price edit re-keys them."""
        return f"{self.currency}:{self.rate}:{self.rounding}:{self.prices_digest}"

    def convert(self, base_amount: Decimal) -> Decimal:
        """A base amount in this currency, to its minor unit (shipping, vouchers, thresholds)."""
        if self.is_base:
            return quantize(base_amount, self.currency)
        return quantize(Decimal(base_amount) * self.rate, self.currency)

    def to_base(self, amount: Decimal) -> Decimal:
        """An amount of this currency in the store's currency (reports, commission)."""
        if self.is_base:
            return quantize(amount, self.base_currency)
        return quantize(Decimal(amount) / self.rate, self.base_currency)

    def product_min_price(self, product_id: int, base_min_price: Decimal) -> Decimal:
        """A product's lowest price here (a listing card's)."""
        fixed = self.product_min_prices.get(product_id)
        return fixed if fixed is not None else price_in_market(base_min_price, self)

    def variant_price(self, variant_id: int, base_price: Decimal) -> Decimal:
        """A variant's unit price here: its fixed price, else its base price converted."""
        fixed = self.fixed_prices.get(variant_id)
        return fixed if fixed is not None else price_in_market(base_price, self)


def price_in_market(base_amount: Decimal, market: MarketView) -> Decimal:
    """A product price in the market's currency: converted at its rate, then rounded up by
    its rule (12.34 → 12.99 with ".99"), then to the currency's minor unit."""
    if market.is_base:
        return quantize(base_amount, market.currency)
    converted = Decimal(base_amount) * market.rate
    ending = ENDINGS.get(market.rounding)
    if ending is not None and converted > 0:
        # The smallest whole number W with W - (1 - ending) >= converted, less (1 - ending).
        gap = ONE - ending if ending else ZERO
        converted = (converted + gap).to_integral_value(rounding=ROUND_CEILING) - gap
    return quantize(converted, market.currency)
