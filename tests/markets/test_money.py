"""Money in any ISO 4217 currency: minor units, rounding, provider amounts, and no float."""

import re
from decimal import Decimal
from pathlib import Path

import babel.numbers
import pytest

from apps.core import money

ROOT = Path(__file__).resolve().parents[2]
# Every module that computes, stores or charges money.
MONEY_PATHS = [
    "apps/core/money.py",
    "apps/*/pricing.py",
    "apps/markets",
    "apps/cart",
    "apps/checkout",
    "apps/orders",
    "apps/payments",
]


@pytest.mark.parametrize(("currency", "places"), [("USD", 2), ("eur", 2), ("JPY", 0), ("KWD", 3)])
def test_minor_units_come_from_iso_4217(currency, places):
    assert money.minor_units(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("10.005", None, "10.01"),  # the base currency's two places, as before
        ("10.005", "EUR", "10.01"),
        ("1234.5", "JPY", "1235"),
        ("1.2345", "KWD", "1.235"),
    ],
)
def test_quantize_rounds_half_up_to_the_currencys_minor_unit(amount, currency, rounded):
    result = money.quantize(Decimal(amount), currency)

    assert result == Decimal(rounded)
    assert str(result) == rounded


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("10.00", "USD", 1000), ("500", "JPY", 500), ("5.125", "KWD", 5125)],
)
def test_provider_minor_units_round_trip(amount, currency, minor):
    assert money.to_minor_units(Decimal(amount), currency) == minor
    assert money.from_minor_units(minor, currency) == Decimal(amount)


def test_a_fraction_below_the_minor_unit_is_refused():
    with pytest.raises(ValueError, match="JPY"):
        money.to_minor_units(Decimal("500.5"), "JPY")


def test_format_money_shows_each_currency_with_its_own_digits():
    assert money.format_money(Decimal("1234.5"), "EUR") == "1234.50 EUR"
    assert money.format_money(Decimal("1234.5"), "JPY") == "1235 JPY"
    assert money.format_money(Decimal("3.2"), "KWD") == "3.200 KWD"
    assert money.format_money(Decimal("1234.5"), "EUR", pattern=None) == "€1,234.50"


@pytest.mark.parametrize("currency", ["USD", "eur", "JPY", "KWD", "CLF", "ISK", "XXX"])
@pytest.mark.parametrize("pattern", [money.MONEY_PATTERN, money.AMOUNT_PATTERN])
def test_the_written_out_formats_are_babels(currency, pattern):
    amounts = ["0", "-0", "-0.001", "0.005", "19.99", "-1234.5", "999999999.995", "1E+3", "2.5E-3"]
    for text in amounts:
        amount = Decimal(text)
        expected = babel.numbers.format_currency(
            money.quantize(amount, currency), currency.upper(), format=pattern,
            locale="en_US", currency_digits=True,
        )  # fmt: skip

        assert money.format_money(amount, currency, pattern=pattern) == expected


def test_no_float_in_money_paths():
    files = sorted(
        {p for pattern in MONEY_PATHS for p in ROOT.glob(pattern) if p.is_file()}
        | {p for pattern in MONEY_PATHS for p in ROOT.glob(f"{pattern}/**/*.py")}
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        if path.suffix == ".py" and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bfloat\(|: float\b|-> float\b", line)
    ]

    assert files, "the money paths moved: update MONEY_PATHS"
    assert offenders == []
