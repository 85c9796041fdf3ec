"""Inventory tasks, run by a real Celery worker process against the test database and Redis."""

import time

import pytest
from django.conf import settings
from django_tenants.utils import get_public_schema_name, schema_context

from apps.inventory import services as inventory_services
from apps.inventory.models import LowStockAlert, Reservation, StockLevel
from apps.tenants.tasks import fan_out_to_stores_task
from tests.celery_worker import running_worker
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, expire_reservations, stock

SWEEP_TASK = "apps.inventory.tasks.release_expired_reservations_task"


def wait_for(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_beat_sweeps_expired_reservations_every_minute_through_the_store_fan_out():
    entry = settings.CELERY_BEAT_SCHEDULE["holds"]

    assert entry["task"] == "apps.tenants.tasks.fan_out_to_stores_task"
    assert SWEEP_TASK in entry["args"][0]
    assert entry["kwargs"] == {"due_kind": "holds"}
    assert entry["schedule"] == 60.0


@pytest.mark.worker
def test_a_real_worker_sweeps_an_expired_reservation_queued_by_the_fan_out(committed_store):
    variant = VariantFactory()
    stock(variant, WarehouseFactory(), 5)
    inventory_services.reserve(reference="checkout:gone", lines=[(variant.id, 3)])
    inventory_services.reserve(reference="checkout:live", lines=[(variant.id, 1)])
    expire_reservations("checkout:gone")

    with running_worker():
        with schema_context(get_public_schema_name()):
            fan_out_to_stores_task.delay(SWEEP_TASK)
        swept = wait_for(
            lambda: Reservation.objects.get(reference="checkout:gone").state == "released"
        )

    assert swept, "the worker did not sweep the expired reservation"
    assert Reservation.objects.get(reference="checkout:gone").release_reason == "expired"
    assert Reservation.objects.get(reference="checkout:live").state == "active"
    assert StockLevel.objects.get(variant=variant).reserved == 1


@pytest.mark.worker
def test_a_real_worker_alerts_the_owners_once_when_stock_runs_low(committed_store, monkeypatch):
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    variant = VariantFactory()
    stock(variant, WarehouseFactory(), 6)

    with running_worker():
        inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 3)])
        notified = wait_for(
            lambda: LowStockAlert.objects.filter(
                variant=variant, notified_at__isnull=False
            ).exists()
        )

    assert notified, "the worker did not raise and send the low-stock alert"
    assert LowStockAlert.objects.get(variant=variant).available == 3
