"""Decimal ↔ provider minor units (integer cents, yen, fils …), for any gateway whose
provider counts in minor units.

Stripe, for one, takes amounts as integers in the currency's minor unit (``apps.core.money``,
ISO 4217 from babel): 10.00 USD is 1000, 500 JPY is 500 (zero-decimal), 5.125 KWD is 5125
(three-decimal). The one exception kept here is Stripe's own: ISK is counted in two decimals
there although ISO gives it none.

Stripe's three-decimal currencies (KWD, BHD, JOD, OMR, TND) take only amounts whose last
digit is 0 (5.124 KWD must go as 5120 or 5130: its docs say to round to the nearest ten).
``chargeable`` rounds an amount due so to the provider's step; the payment row records that
amount, and a payment of it settles the whole amount due (``payments._settled``).
"""

from decimal import ROUND_HALF_UP, Decimal

from apps.core import money
from apps.payments.exceptions import InvalidAmount

# Currencies the provider counts in more places than ISO 4217 gives them.
PROVIDER_EXPONENTS = {"ISK": 2}
# Currencies whose amounts the provider takes only in multiples of this many minor units.
PROVIDER_STEPS = {"BHD": 10, "JOD": 10, "KWD": 10, "OMR": 10, "TND": 10}


def minor_unit_exponent(currency: str) -> int:
    code = currency.upper()
    return PROVIDER_EXPONENTS.get(code, money.minor_units(code))


def chargeable(amount: Decimal, currency: str) -> Decimal:
    """``amount`` as the provider can charge it: 6.142 KWD → 6.140, 6.145 KWD → 6.150 (half up
    to the provider's step); any other currency's amount as it is."""
    step = PROVIDER_STEPS.get(currency.upper())
    if step is None:
        return amount
    steps = (Decimal(amount).scaleb(minor_unit_exponent(currency)) / step).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return from_minor_units(int(steps) * step, currency)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """1.50 USD → 150; 500 JPY → 500. Raises InvalidAmount for fractions the currency lacks,
    and for an amount off the provider's step (6.142 KWD: ``chargeable`` rounds it first)."""
    scaled = Decimal(amount).scaleb(minor_unit_exponent(currency))
    step = PROVIDER_STEPS.get(currency.upper(), 1)
    if scaled != scaled.to_integral_value() or int(scaled) % step:
        raise InvalidAmount(
            f"{amount} cannot be charged in {currency.upper()}: the payment provider takes "
            f"it only in steps of {from_minor_units(step, currency)}.",
            extra={"amount": str(amount), "currency": currency.upper()},
        )
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    """150 USD → Decimal("1.50"); 500 JPY → Decimal("500"); 5125 KWD → Decimal("5.125")."""
    return Decimal(int(value)).scaleb(-minor_unit_exponent(currency))
