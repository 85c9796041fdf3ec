"""Fields the API's serializers share: amounts with their currency's digits, country codes."""

import re
from decimal import Decimal

from django_countries import countries
from rest_framework import serializers

from apps.core import money
from apps.markets import selectors as market_selectors
from apps.markets.pricing import MarketView

# Amounts are in the order's or cart's currency: up to three places (KWD), two when the third is 0.
MONEY: dict = {"max_digits": 13, "decimal_places": 3}


class AmountOutput(serializers.DecimalField):
    """An amount with its currency's own digits: "10.00" USD, "3027" JPY, "6.142" KWD.

    The currency is the serialized object's own (an order, a payment, a cart's payload), else
    that of the object the whole answer serializes (an order's lines, a cart's rates), else the
    context's ``currency``. Unknown: two places, or three when the third is not 0. The schema
    type stays a decimal string."""

    def __init__(self, **kwargs):
        super().__init__(**MONEY, **kwargs)
        self.currency: str | None = None

    def get_attribute(self, instance):
        # Fields serialize one object after another, so the currency read here is this value's.
        self.currency = (
            _currency_of(instance)
            or _currency_of(getattr(self.root, "instance", None))
            or self.context.get("currency")
        )
        return super().get_attribute(instance)

    def to_representation(self, value):
        if self.currency and money.is_currency(self.currency):
            return str(money.quantize(value, self.currency))
        three = Decimal(value).quantize(Decimal("0.001"))
        two = three.quantize(Decimal("0.01"))
        return str(two if two == three else three)


def _currency_of(obj) -> str | None:
    """The ``currency`` of a model instance or a payload dict, when it has one."""
    currency = obj.get("currency") if isinstance(obj, dict) else getattr(obj, "currency", None)
    return currency if isinstance(currency, str) and len(currency) == 3 else None


COUNTRY_CODES = sorted(dict(countries)) + sorted(code.lower() for code in dict(countries))


class CountryCodeField(serializers.ChoiceField):
    """An ISO 3166-1 alpha-2 code, "US" or "us", as the schema's enum lists; answers upper case.
    An enum rather than a trimmed two-character string: " US" is refused as what it is, and a
    schema-valid value is always accepted."""

    default_error_messages = {"invalid_choice": "Not an ISO 3166-1 alpha-2 country code."}

    def __init__(self, **kwargs):
        super().__init__(choices=COUNTRY_CODES, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


CURRENCY_PATTERN = r"^[A-Za-z]{3}$"


class CurrencyCodeField(serializers.RegexField):
    """An ISO 4217 code ("EUR" or "eur"); whether the store sells in it is the market's call
    (``markets.selectors.get_market``: 422 ``unknown_currency``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": "Not an ISO 4217 currency code."})
        super().__init__(CURRENCY_PATTERN, max_length=3, min_length=3, **kwargs)


def requested_market(code: str | None) -> MarketView:
    """The market of a ``currency`` query parameter or field (None: the store's currency).
    A malformed code is a 400; one the store does not sell in, a 422 ``unknown_currency``."""
    if code is not None and not re.fullmatch(CURRENCY_PATTERN, code):
        raise serializers.ValidationError({"currency": ["Not an ISO 4217 currency code."]})
    return market_selectors.get_market(code)
