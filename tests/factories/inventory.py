from datetime import timedelta

import factory
from django.utils import timezone

from apps.inventory import services as inventory_services
from apps.inventory.models import Reservation, StockLevel, Warehouse


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    name = factory.Sequence(lambda n: f"Warehouse {n}")
    priority = factory.Sequence(lambda n: 10 + n)


def stock(variant, warehouse, quantity: int) -> StockLevel:
    """Put ``quantity`` units of ``variant`` in ``warehouse`` the way a merchant would."""
    return inventory_services.receive_stock(
        variant_id=variant.id, warehouse_id=warehouse.id, quantity=quantity
    )


def expire_reservations(reference: str) -> int:
    """Let time pass for a checkout: its active holds expired a minute ago."""
    return Reservation.objects.filter(reference=reference, state=Reservation.State.ACTIVE).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
