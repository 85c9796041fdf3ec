import io

import pytest
from django.core.management import CommandError, call_command

from apps.inventory import selectors
from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel, StockMovement
from tests.factories.inventory import expire_reservations

pytestmark = pytest.mark.django_db


def corrupt(variant, **counters) -> StockLevel:
    """Change counters behind the services' back, as a bad script or a bug would."""
    StockLevel.objects.filter(variant=variant).update(**counters)
    return StockLevel.objects.get(variant=variant)


def test_the_reconciler_finds_no_drift_in_honest_stock(stocked_variant):
    variant = stocked_variant(10)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])
    inventory_services.commit_reservation(reference="checkout:a")
    inventory_services.reserve(reference="checkout:b", lines=[(variant.id, 1)])

    assert inventory_services.reconcile_stock() == []


def test_the_reconciler_detects_a_corrupted_counter_and_repairs_it(stocked_variant, warehouse):
    variant = stocked_variant(10)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 3)])
    corrupt(variant, on_hand=7, reserved=0)

    found = inventory_services.reconcile_stock()
    repaired = inventory_services.reconcile_stock(repair=True, actor_id=None)

    assert [(d.sku, d.on_hand, d.ledger_on_hand, d.reserved, d.live_reserved) for d in found] == [
        (variant.sku, 7, 10, 0, 3)
    ]
    assert (found[0].on_hand_drift, found[0].reserved_drift) == (-3, -3)
    assert repaired == found
    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.reserved) == (10, 3)
    correction = StockMovement.objects.get(reason="correction")
    assert correction.delta == 0
    assert "on_hand 7→10" in correction.note and "reserved 0→3" in correction.note
    assert selectors.list_stock_drift() == []


def test_the_reconciler_leaves_a_row_it_cannot_repair_and_says_so(stocked_variant):
    variant = stocked_variant(2)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])
    StockMovement.objects.create(
        variant=variant, warehouse_id=StockLevel.objects.get().warehouse_id, delta=-2, reason="sale"
    )  # a ledger row with no counter change: the ledger now says 0 units, 2 are held

    (drift,) = inventory_services.reconcile_stock(repair=True)

    assert not drift.repairable
    assert StockLevel.objects.get(variant=variant).on_hand == 2
    assert not StockMovement.objects.filter(reason="correction").exists()


def test_reconcile_stock_command_reports_and_repairs_drift(store, stocked_variant):
    variant = stocked_variant(5)
    corrupt(variant, on_hand=9)
    report, repair = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError):
        call_command("reconcile_stock", f"--store={store.schema_name}", stdout=report)
    call_command("reconcile_stock", f"--store={store.schema_name}", "--repair", stdout=repair)

    assert f"{variant.sku} @ Main: on_hand 9 (ledger 5)" in report.getvalue()
    assert "repaired" in repair.getvalue()
    assert StockLevel.objects.get(variant=variant).on_hand == 5


def test_release_expired_reservations_command_sweeps_one_store(store, stocked_variant):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])
    expire_reservations("checkout:a")
    out = io.StringIO()

    call_command("release_expired_reservations", f"--store={store.schema_name}", stdout=out)

    assert f"{store.schema_name}: released 1 expired reservation(s)" in out.getvalue()
    assert StockLevel.objects.get(variant=variant).reserved == 0


def test_commands_refuse_an_unknown_store():
    with pytest.raises(CommandError, match="No store"):
        call_command("release_expired_reservations", "--store=nope")
