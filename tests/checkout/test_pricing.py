from decimal import Decimal

import pytest

from apps.checkout.models import Voucher
from apps.checkout.pricing import PricingLine, compute_totals

D = Decimal


def _lines(rows):
    return [PricingLine(variant_id=v, quantity=q, unit_price=D(p)) for v, q, p in rows]


def _off(amount) -> Voucher | None:
    """A fixed-amount voucher (not saved): the discount the old signature took."""
    return Voucher(code="OFF", kind=Voucher.Kind.FIXED, value=D(amount)) if D(amount) else None


def test_tax_exclusive_prices_add_tax_per_line_after_discount():
    totals = compute_totals(
        lines=_lines([(1, 3, "9.99"), (2, 1, "20.00")]),
        voucher=_off("5.00"),
        shipping=D("4.50"),
        tax_rate=D("0.0825"),
        prices_include_tax=False,
    )

    assert totals.subtotal == D("49.97")
    assert [line.discount for line in totals.lines] == [D("3.00"), D("2.00")]
    assert [line.tax_amount for line in totals.lines] == [D("2.23"), D("1.49")]
    assert totals.tax_total == D("3.72")
    assert totals.total == D("49.97") - D("5.00") + D("4.50") + D("3.72")


def test_tax_inclusive_prices_extract_tax_and_keep_total():
    totals = compute_totals(
        lines=_lines([(1, 2, "12.00")]),
        shipping=D("0"),
        tax_rate=D("0.2000"),
        prices_include_tax=True,
    )

    assert totals.tax_total == D("4.00")
    assert totals.total == D("24.00")


def test_discount_never_exceeds_subtotal():
    totals = compute_totals(
        lines=_lines([(1, 1, "10.00")]),
        voucher=_off("25.00"),
        shipping=D("5.00"),
        tax_rate=D("0"),
        prices_include_tax=False,
    )

    assert totals.discount_total == D("10.00")
    assert totals.total == D("5.00")
    assert all(isinstance(v, Decimal) for v in (totals.subtotal, totals.total, totals.tax_total))


@pytest.mark.parametrize(
    ("lines", "discount", "shipping", "rate", "inclusive", "expected"),
    [
        # (variant, qty, unit price) lines; expected (subtotal, tax, total)
        ([(1, 1, "19.99")], "0", "0", "0", False, ("19.99", "0.00", "19.99")),
        ([(1, 3, "0.10")], "0", "0", "0.0825", False, ("0.30", "0.02", "0.32")),
        (
            [(1, 2, "15.00"), (2, 1, "7.50")],
            "3.75",
            "5.00",
            "0.1000",
            False,
            ("37.50", "3.38", "42.13"),
        ),
        ([(1, 1, "100.00")], "10.00", "0", "0.2000", True, ("100.00", "15.00", "90.00")),
        (
            [(1, 3, "33.33"), (2, 1, "0.01")],
            "10.00",
            "4.99",
            "0.0700",
            False,
            ("100.00", "6.30", "101.29"),
        ),
        ([(1, 1, "5.00")], "20.00", "3.00", "0.1000", False, ("5.00", "0.00", "3.00")),
        ([(1, 7, "1.15")], "0", "0", "0.1900", True, ("8.05", "1.29", "8.05")),
    ],
)
def test_totals_table(lines, discount, shipping, rate, inclusive, expected):
    totals = compute_totals(
        lines=_lines(lines),
        voucher=_off(discount),
        shipping=D(shipping),
        tax_rate=D(rate),
        prices_include_tax=inclusive,
    )

    assert (totals.subtotal, totals.tax_total, totals.total) == tuple(D(x) for x in expected)
