"""Decimal ↔ provider minor units (integer cents, yen, fils …), for any gateway whose
provider counts in minor units.

Stripe, for one, takes amounts as integers in the currency's minor unit (``apps.core.money``,
ISO 4217 from babel): 10.00 USD is 1000, 500 JPY is 500 (zero-decimal), 5.125 KWD is 5125
(three-decimal). The one exception kept here is Stripe's own: ISK is counted in two decimals
there although ISO gives it none.
"""

from decimal import Decimal

from apps.core import money
from apps.payments.exceptions import InvalidAmount

# Currencies the provider counts in more places than ISO 4217 gives them.
PROVIDER_EXPONENTS = {"ISK": 2}


def minor_unit_exponent(currency: str) -> int:
    code = currency.upper()
    return PROVIDER_EXPONENTS.get(code, money.minor_units(code))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """1.50 USD → 150; 500 JPY → 500. Raises InvalidAmount for fractions the currency lacks."""
    scaled = Decimal(amount).scaleb(minor_unit_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(
            f"{amount} cannot be charged in {currency.upper()}: it has no minor unit that small.",
            extra={"amount": str(amount), "currency": currency.upper()},
        )
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    """150 USD → Decimal("1.50"); 500 JPY → Decimal("500"); 5125 KWD → Decimal("5.125")."""
    return Decimal(int(value)).scaleb(-minor_unit_exponent(currency))
