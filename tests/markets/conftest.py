"""A store with base USD and three markets: EUR (rate + .99 rounding), JPY (0 places) and
KWD (3 places)."""

from decimal import Decimal

import pytest

from apps.markets.models import Market


@pytest.fixture
def markets(store):
    assert store.currency == "USD"
    return {
        "EUR": Market.objects.create(
            name="Euro area", currency="EUR", countries=["DE", "FR"],
            exchange_rate=Decimal("0.92"), rounding=Market.Rounding.NINETY_NINE,
        ),
        "JPY": Market.objects.create(
            name="Japan", currency="JPY", countries=["JP"], exchange_rate=Decimal("151.37"),
        ),
        "KWD": Market.objects.create(
            name="Kuwait", currency="KWD", countries=["KW"], exchange_rate=Decimal("0.3071"),
        ),
    }  # fmt: skip


# The local Stripe server of the payment tests (tests/payments/fake_stripe.py).
from tests.payments.conftest import _fake_stripe_server, fake_stripe  # noqa: E402, F401
