"""One pricing entry: base price → rate → rounding → the currency's minor units."""

from decimal import Decimal

import pytest

from apps.markets import selectors
from apps.markets.exceptions import UnknownCurrency
from apps.markets.models import MarketPrice
from apps.markets.pricing import MarketView, price_in_market
from tests.factories.catalog import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rate", "rounding", "currency", "base", "price"),
    [
        ("0.92", "0.99", "EUR", "20.00", "18.99"),  # 18.40 up to .99
        ("0.92", "0.99", "EUR", "12.99", "11.99"),  # 11.9508
        ("0.92", "0.99", "EUR", "0", "0.00"),  # free stays free
        ("0.92", "0.95", "EUR", "10.00", "9.95"),  # 9.20
        ("0.92", "whole", "EUR", "10.87", "11.00"),  # 10.0004
        ("151.37", "none", "JPY", "19.99", "3026"),  # 3025.8863
        ("0.3071", "none", "KWD", "19.99", "6.139"),  # 6.138929
    ],
)
def test_price_in_market(rate, rounding, currency, base, price):
    market = MarketView(currency, "USD", Decimal(rate), rounding, market_id=1)

    assert str(price_in_market(Decimal(base), market)) == price


def test_a_fixed_price_overrides_the_conversion(markets):
    variant, other = VariantFactory(price=Decimal("20.00")), VariantFactory(price=Decimal("20.00"))
    MarketPrice.objects.create(market=markets["EUR"], variant=variant, price=Decimal("17.50"))

    eur = selectors.get_market("eur")

    assert eur.variant_price(variant.id, variant.price) == Decimal("17.50")
    assert eur.variant_price(other.id, other.price) == Decimal("18.99")


def test_unknown_or_inactive_currency_is_refused(markets):
    markets["KWD"].is_active = False
    markets["KWD"].save()

    with pytest.raises(UnknownCurrency):
        selectors.get_market("KWD")
    with pytest.raises(UnknownCurrency):
        selectors.get_market("XYZ")
    assert selectors.get_market("").is_base and selectors.get_market("usd").is_base
    assert selectors.find_market("KWD").currency == "USD"
    assert selectors.market_for_country("fr").currency == "EUR"


def test_a_card_shows_the_lowest_price_with_fixed_prices_counted(markets):
    from tests.factories.catalog import ProductFactory

    product = ProductFactory()
    cheap = VariantFactory(product=product, price=Decimal("10.00"))
    VariantFactory(product=product, price=Decimal("20.00"))
    MarketPrice.objects.create(market=markets["EUR"], variant=cheap, price=Decimal("12.50"))
    plain = ProductFactory()

    eur = selectors.get_market("EUR")

    # 10.00 USD fixed at 12.50 EUR; 20.00 USD converts to 18.40 → 18.99: the lowest is 12.50.
    assert eur.product_min_price(product.id, Decimal("10.00")) == Decimal("12.50")
    assert eur.product_min_price(plain.id, Decimal("10.00")) == Decimal("9.99")
    assert eur.prices_digest
