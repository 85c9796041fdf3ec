"""Money arithmetic: Decimal only, 2 places, ROUND_HALF_UP. Round per line, then sum."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize(amount: Decimal | int | str) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
