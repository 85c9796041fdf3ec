"""Money arithmetic: Decimal only, ROUND_HALF_UP, each currency's ISO 4217 minor units.

The one owner of money rounding. ``quantize(amount)`` keeps two places (the store's base
currency as the code has always assumed); ``quantize(amount, currency="JPY")`` rounds to that
currency's minor unit (JPY 0, USD/EUR 2, KWD/BHD 3). Currency data and formatting come from
babel (CLDR), not a hand-written table. Round per line, then sum.
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency as babel_format_currency
from babel.numbers import get_currency_precision, list_currencies
from django.db import models

CENT = Decimal("0.01")
MAX_MINOR_UNITS = 3  # the most any ISO 4217 currency has: money columns keep 3 places


@lru_cache(maxsize=256)
def minor_units(currency: str) -> int:
    """How many decimal places ``currency`` has (ISO 4217): USD 2, JPY 0, KWD 3."""
    return get_currency_precision(currency.upper())


@lru_cache(maxsize=256)
def _exponent(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def quantize(amount: Decimal | int | str, currency: str | None = None) -> Decimal:
    """``amount`` rounded half up to two places, or to ``currency``'s minor unit."""
    places = 2 if currency is None else minor_units(currency)
    return Decimal(amount).quantize(_exponent(places), rounding=ROUND_HALF_UP)


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency babel knows."""
    return code.upper() in _known_currencies()


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def to_minor_units(amount: Decimal, currency: str) -> int:
    """1.50 USD → 150, 500 JPY → 500, 5.125 KWD → 5125: a provider's integer amount.

    Raises ValueError when ``amount`` has a fraction the currency does not have."""
    scaled = Decimal(amount).scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has a fraction smaller than {currency.upper()}'s minor unit")
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    """150 USD → Decimal("1.50"), 500 JPY → Decimal("500"), 5125 KWD → Decimal("5.125")."""
    return quantize(Decimal(int(value)).scaleb(-minor_units(currency)), currency)


# The storefront's, emails' and admin's way to show money: the amount with the currency's own
# digits, then its ISO code ("19.99 USD", "3027 JPY", "6.142 KWD"): unambiguous when a store
# sells in several currencies that share a symbol ($ in USD, CAD, AUD …).
MONEY_PATTERN = "0.00 ¤¤"
# The amount alone, with the currency's digits ("5.00", "757", "1.536").
AMOUNT_PATTERN = "0.00"


def format_money(
    amount: Decimal, currency: str, *, locale: str = "en_US", pattern: str | None = MONEY_PATTERN
) -> str:
    """``amount`` as a shopper reads it: "19.99 USD", "3027 JPY", "6.142 KWD"
    (``pattern=None``: the locale's own, "€1,234.50")."""
    if locale == "en_US" and pattern in (MONEY_PATTERN, AMOUNT_PATTERN):
        # What babel makes of these two patterns in en_US: the amount with the currency's
        # digits, no grouping, "-" before a negative one, then the code. Written out: babel
        # parsed the pattern and read the locale's data on every call (49 µs; a cart or
        # checkout page shows a dozen amounts). tests/markets/test_money.py compares the two.
        shown = f"{quantize(amount, currency):f}"
        return shown if pattern == AMOUNT_PATTERN else f"{shown} {currency.upper()}"
    return babel_format_currency(
        quantize(amount, currency),
        currency.upper(),
        format=pattern,
        locale=locale,
        currency_digits=True,
    )


class MoneyField(models.DecimalField):
    """An amount in a currency that may have up to three minor units (KWD, BHD).

    Stored with three places; read back with two whenever the third is zero, so amounts in
    two-decimal currencies (nearly all) read, print and serialize exactly as before.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 13)
        kwargs.setdefault("decimal_places", MAX_MINOR_UNITS)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        two_places = value.quantize(CENT)
        return two_places if two_places == value else value
