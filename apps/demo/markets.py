"""The demo store's markets (issue 20): shoppers in the euro area, the UK and Japan see prices
in their own currency. Rates as of a day in December 2026 (USD base); the admin's "Import
exchange rates" or ``import_exchange_rates`` replaces them with the ECB's."""

from decimal import Decimal

from django.utils import timezone

from apps.checkout.models import ShippingMethod
from apps.markets.models import Market, MarketShippingRate

# (name, currency, countries, units for one US dollar, rounding)
DEMO_MARKETS = (
    ("Euro area", "EUR", ["DE", "FR", "NL"], Decimal("0.9195"), Market.Rounding.NINETY_NINE),
    ("United Kingdom", "GBP", ["GB"], Decimal("0.7881"), Market.Rounding.NINETY_FIVE),
    ("Japan", "JPY", ["JP"], Decimal("150.35"), Market.Rounding.WHOLE),
)


def seed_markets(*, base_currency: str) -> list[Market]:
    """The demo's markets (none in the store's own currency); the euro area has its own
    international shipping rate, the others convert the store's."""
    now = timezone.now()
    markets = [
        Market.objects.create(
            name=name, currency=currency, countries=countries, exchange_rate=rate,
            rounding=rounding, rate_source="demo", rate_updated_at=now,
        )
        for name, currency, countries, rate, rounding in DEMO_MARKETS
        if currency != base_currency.upper()
    ]  # fmt: skip
    international = ShippingMethod.objects.filter(name="International tracked").first()
    euro = next((m for m in markets if m.currency == "EUR"), None)
    if international is not None and euro is not None:
        MarketShippingRate.objects.create(
            market=euro, shipping_method=international, price=Decimal("7.90")
        )
    return markets
