from collections.abc import Iterable

from django.db.models import F, Sum

from apps.inventory.models import StockLevel


def get_available_by_variant(variant_ids: Iterable[int]) -> dict[int, int]:
    """Units a shopper can buy now per variant: on_hand − reserved over active warehouses."""
    rows = (
        StockLevel.objects.filter(variant_id__in=list(variant_ids), warehouse__active=True)
        .values("variant_id")
        .annotate(available=Sum(F("on_hand") - F("reserved")))
    )
    return {row["variant_id"]: max(row["available"] or 0, 0) for row in rows}
