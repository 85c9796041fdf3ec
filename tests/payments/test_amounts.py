from decimal import Decimal

import pytest

from apps.payments.amounts import from_minor_units, to_minor_units
from apps.payments.exceptions import InvalidAmount


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("10.00"), "USD", 1000),
        (Decimal("0.01"), "eur", 1),
        (Decimal("19.99"), "GBP", 1999),
        (Decimal("500"), "JPY", 500),
        (Decimal("500.00"), "KRW", 500),
        (Decimal("5.12"), "KWD", 5120),
        (Decimal("1234.50"), "ISK", 123450),
    ],
)
def test_amounts_convert_to_and_from_the_currencys_minor_unit(amount, currency, minor):
    assert to_minor_units(amount, currency) == minor
    assert from_minor_units(minor, currency) == amount


def test_a_fraction_of_a_zero_decimal_currency_cannot_be_charged():
    with pytest.raises(InvalidAmount):
        to_minor_units(Decimal("500.50"), "JPY")
