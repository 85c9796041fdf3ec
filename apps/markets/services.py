"""Market writes: exchange rates imported from a file."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.markets import rate_files
from apps.markets.exceptions import RateFileInvalid
from apps.markets.models import Market
from apps.tenants.selectors import get_current_store


@dataclass(frozen=True)
class RateImport:
    updated: dict[str, Decimal]  # currency → new rate
    missing: list[str]  # markets the file has no rate for (left as they were)


@transaction.atomic
def import_exchange_rates(*, content: bytes, filename: str = "", source: str = "") -> RateImport:
    """Set every market's rate from an ECB-format file (XML or CSV), in one transaction.
    Raises RateFileInvalid before anything is written."""
    per_euro, day = rate_files.read_rates(content, filename=filename)
    rates = rate_files.rates_per_base(per_euro, get_current_store().currency)
    markets = list(Market.objects.select_for_update().order_by("pk"))
    if not any(m.currency in rates for m in markets):
        raise RateFileInvalid("The file has no rate for any of the store's markets.")
    label = source or f"ECB file{f' {day:%Y-%m-%d}' if day else ''}"
    now = timezone.now()
    updated, missing = {}, []
    for market in markets:
        rate = rates.get(market.currency)
        if rate is None:
            missing.append(market.currency)
            continue
        market.exchange_rate = rate
        market.rate_source = label[:60]
        market.rate_updated_at = now
        market.save(update_fields=["exchange_rate", "rate_source", "rate_updated_at", "updated_at"])
        updated[market.currency] = rate
    return RateImport(updated=updated, missing=missing)
