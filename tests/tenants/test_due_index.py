"""The due index drives beat's fan-out: only stores with work due (or recent activity) get
periodic tasks, and nothing due is missed (apps/tenants/due.py)."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.inventory import services as inventory_services
from apps.inventory.models import Reservation
from apps.tenants import due
from apps.tenants.models import StoreWork
from apps.tenants.tasks import fan_out_to_stores_task
from tests.celery_worker import running_worker
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, expire_reservations, stock

RELEASE = "apps.inventory.tasks.release_expired_reservations_task"


def _row(schema: str, kind: str) -> StoreWork | None:
    with schema_context(get_public_schema_name()):
        return StoreWork.objects.filter(schema_name=schema, kind=kind).first()


@pytest.mark.django_db
def test_a_hold_marks_its_store_due_when_it_lapses_and_the_earliest_time_wins(store):
    due.forget_process_memory()
    variant = VariantFactory()
    stock(variant, WarehouseFactory(), 5)
    holds = inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 1)], minutes=30)
    assert _row(store.schema_name, due.HOLDS).at == holds[0].expires_at

    sooner = inventory_services.reserve(reference="checkout:b", lines=[(variant.id, 1)], minutes=2)
    assert _row(store.schema_name, due.HOLDS).at == sooner[0].expires_at
    inventory_services.reserve(reference="checkout:c", lines=[(variant.id, 1)], minutes=60)
    assert _row(store.schema_name, due.HOLDS).at == sooner[0].expires_at


@pytest.mark.django_db
def test_only_due_stores_are_claimed_and_a_claim_takes_a_row_once(store, other_store):
    due.forget_process_memory()
    now = timezone.now()
    with schema_context(get_public_schema_name()):
        StoreWork.objects.create(schema_name=store.schema_name, kind="holds", at=now)
        StoreWork.objects.create(
            schema_name=other_store.schema_name, kind="holds", at=now + timedelta(hours=1)
        )
        assert due.claim_due("holds") == [store.schema_name]
        assert due.claim_due("holds") == []
        assert StoreWork.objects.filter(schema_name=other_store.schema_name).exists()


@pytest.mark.django_db
def test_a_write_marks_the_store_active_for_the_tidy_up_windows(store, other_store):
    due.forget_process_memory()
    with schema_context(get_public_schema_name()):
        StoreWork.objects.filter(kind=due.ACTIVE).delete()
    from apps.catalog.models import Category

    with pytest.MonkeyPatch.context() as patch:
        # on_commit never fires inside the test transaction: run it at once.
        patch.setattr("django.db.transaction.on_commit", lambda fn, robust=False: fn())
        Category.objects.create(name="Hats", slug="hats")
    active = due.active_within(timedelta(hours=1))
    assert store.schema_name in active
    assert other_store.schema_name not in active


def _wait_for(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.worker
def test_a_real_worker_releases_a_lapsed_hold_of_the_one_due_store_and_nothing_else(
    committed_store,
):
    due.forget_process_memory()
    variant = VariantFactory()
    stock(variant, WarehouseFactory(), 5)
    inventory_services.reserve(reference="checkout:gone", lines=[(variant.id, 2)])
    live = inventory_services.reserve(reference="checkout:live", lines=[(variant.id, 1)])
    expire_reservations("checkout:gone")
    schema = committed_store.schema_name
    # Time passes: the store's hold row falls due (it said when the first hold lapses).
    with schema_context(get_public_schema_name()):
        StoreWork.objects.filter(schema_name=schema, kind=due.HOLDS).update(
            at=timezone.now() - timedelta(seconds=1)
        )

    with running_worker():
        with schema_context(get_public_schema_name()):
            # The session stores (quiet) get nothing: one store is visited.
            assert fan_out_to_stores_task(RELEASE, due_kind=due.HOLDS) == 1
        released = _wait_for(
            lambda: Reservation.objects.get(reference="checkout:gone").state == "released"
        )
        # The task put the store back in the index for the next hold to lapse.
        remarked = _wait_for(lambda: _row(schema, due.HOLDS) is not None)

    connection.set_tenant(committed_store)
    assert released, "the due store's lapsed hold was not released by the worker"
    assert Reservation.objects.get(reference="checkout:live").state == "active"
    assert remarked and _row(schema, due.HOLDS).at == live[0].expires_at
