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


def has_live_reservation(*, reference: str, now=None) -> bool:
    """PROVISIONAL (checkout branch): an active, unexpired hold exists for this reference."""
    from django.utils import timezone

    from apps.inventory.models import Reservation

    return Reservation.objects.filter(
        reference=reference, state=Reservation.State.ACTIVE, expires_at__gt=now or timezone.now()
    ).exists()
