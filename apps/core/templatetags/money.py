"""``{{ amount|money:currency }}``: money as the storefront, emails and admin show it."""

from decimal import Decimal, InvalidOperation

from django import template

from apps.core.money import AMOUNT_PATTERN, format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``amount`` (in ``currency``) with that currency's digits and code: "18.99 EUR",
    "3027 JPY", "6.142 KWD". Blank for no amount."""
    if amount is None or amount == "" or not currency:
        return "" if amount in (None, "") else str(amount)
    try:
        return format_money(Decimal(amount), str(currency))
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)


@register.filter
def amount(value, currency: str) -> str:
    """``value`` with ``currency``'s digits and no code, where the code is shown nearby:
    "5.00", "757", "1.536"."""
    if value is None or value == "" or not currency:
        return "" if value in (None, "") else str(value)
    try:
        return format_money(Decimal(value), str(currency), pattern=AMOUNT_PATTERN)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


@register.filter
def rate(value) -> str:
    """An exchange rate without its trailing zeros: 151.37, 150, 0.9195."""
    if value is None or value == "":
        return ""
    try:
        return format(Decimal(value).normalize(), "f")
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
