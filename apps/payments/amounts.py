"""Decimal ↔ provider minor units (integer cents, yen, fils …), for any gateway whose
provider counts in minor units.

Stripe, for one, takes amounts as integers in the currency's minor unit: 10.00 USD is 1000,
500 JPY is 500 (zero-decimal), 5.120 KWD is 5120 (three-decimal; Stripe requires the last digit
to be 0, which our two-place amounts always satisfy). ISK, HUF and TWD stay two-decimal there.
"""

from decimal import Decimal

from apps.core.money import quantize
from apps.payments.exceptions import InvalidAmount

ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


def minor_unit_exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """1.50 USD → 150; 500 JPY → 500. Raises InvalidAmount for fractions the currency lacks."""
    scaled = Decimal(amount) * (Decimal(10) ** minor_unit_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(
            f"{amount} cannot be charged in {currency.upper()}: it has no minor unit that small.",
            extra={"amount": str(amount), "currency": currency.upper()},
        )
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    """150 USD → Decimal("1.50"); 500 JPY → Decimal("500.00")."""
    return quantize(Decimal(int(value)).scaleb(-minor_unit_exponent(currency)))
