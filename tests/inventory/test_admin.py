import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.accounts.models import User
from apps.inventory import services as inventory_services
from apps.inventory.models import LowStockAlert, StockLevel, StockMovement
from tests.conftest import STORE_SPEC
from tests.factories.inventory import WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(store_client):
    store_client.force_login(User.objects.get(email=STORE_SPEC["owner_email"]))
    return store_client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/inventory/variantstock/",
        "/admin/inventory/variantstock/?stock=low",
        "/admin/inventory/variantstock/?stock=out",
        "/admin/inventory/stocklevel/",
        "/admin/inventory/stockmovement/",
        "/admin/inventory/reservation/",
        "/admin/inventory/lowstockalert/?open=yes",
        "/admin/inventory/warehouse/",
    ],
)
def test_inventory_admin_pages_load(owner_client, stocked_variant, path):
    variant = stocked_variant(3)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 1)])
    inventory_services.raise_low_stock_alerts(variant_ids=[variant.id])

    response = owner_client.get(path)

    assert response.status_code == 200
    if "variantstock" in path and "out" not in path:
        assert variant.sku in response.content.decode()


def test_variant_stock_page_shows_stock_per_warehouse_inline(owner_client, stocked_variant):
    variant = stocked_variant(7)

    response = owner_client.get(f"/admin/inventory/variantstock/{variant.pk}/change/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Main" in body
    assert "stock_levels-0-low_stock_threshold" in body  # the one editable field


def test_low_stock_filter_lists_only_low_variants(owner_client, stocked_variant):
    low, plenty = stocked_variant(2), stocked_variant(50)

    body = owner_client.get("/admin/inventory/variantstock/?stock=low").content.decode()

    assert low.sku in body
    assert plenty.sku not in body


def test_adjust_stock_action_goes_through_the_service_with_reason_and_actor(
    owner_client, stocked_variant, warehouse
):
    variant = stocked_variant(10)
    level = StockLevel.objects.get(variant=variant)
    action = {"action": "adjust_stock", ACTION_CHECKBOX_NAME: [level.pk]}

    form_page = owner_client.post("/admin/inventory/stocklevel/", action)
    response = owner_client.post(
        "/admin/inventory/stocklevel/",
        {**action, "apply": "1", "delta": "-3", "reason": "adjustment", "note": "water damage"},
    )

    assert form_page.status_code == 200
    assert "Adjust stock" in form_page.content.decode()
    assert response.status_code == 302
    level.refresh_from_db()
    assert level.on_hand == 7
    movement = StockMovement.objects.get(reason="adjustment")
    assert (movement.delta, movement.note) == (-3, "water damage")
    assert movement.actor.email == STORE_SPEC["owner_email"]


def test_adjust_stock_action_on_a_variant_receives_into_the_chosen_warehouse(
    owner_client, stocked_variant
):
    variant = stocked_variant(0)
    overflow = WarehouseFactory(name="Overflow")

    owner_client.post(
        "/admin/inventory/variantstock/",
        {
            "action": "adjust_stock",
            ACTION_CHECKBOX_NAME: [variant.pk],
            "apply": "1",
            "warehouse": overflow.pk,
            "delta": "12",
            "reason": "restock",
        },
    )

    assert StockLevel.objects.get(variant=variant, warehouse=overflow).on_hand == 12


def test_adjust_stock_action_reports_units_held_by_checkouts(owner_client, stocked_variant):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])
    level = StockLevel.objects.get(variant=variant)

    response = owner_client.post(
        "/admin/inventory/stocklevel/",
        {
            "action": "adjust_stock",
            ACTION_CHECKBOX_NAME: [level.pk],
            "apply": "1",
            "delta": "-3",
            "reason": "adjustment",
        },
        follow=True,
    )

    assert "cannot be removed" in response.content.decode()
    level.refresh_from_db()
    assert level.on_hand == 5


def test_repair_drift_action_fixes_counters_with_a_correction_row(owner_client, stocked_variant):
    variant = stocked_variant(5)
    StockLevel.objects.filter(variant=variant).update(on_hand=8)
    level = StockLevel.objects.get(variant=variant)

    response = owner_client.post(
        "/admin/inventory/stocklevel/",
        {"action": "repair_drift", ACTION_CHECKBOX_NAME: [level.pk]},
        follow=True,
    )

    assert "on_hand 8 vs ledger 5" in response.content.decode()
    level.refresh_from_db()
    assert level.on_hand == 5
    assert StockMovement.objects.filter(reason="correction").count() == 1


def test_the_ledger_and_counters_cannot_be_edited_in_the_admin(owner_client, stocked_variant):
    variant = stocked_variant(5)
    level = StockLevel.objects.get(variant=variant)
    movement = StockMovement.objects.get()

    ledger_page = owner_client.get(f"/admin/inventory/stockmovement/{movement.pk}/change/")
    owner_client.post(
        f"/admin/inventory/stocklevel/{level.pk}/change/",
        {"on_hand": "999", "reserved": "0", "low_stock_threshold": "2"},
    )

    assert 'name="delta"' not in ledger_page.content.decode()
    level.refresh_from_db()
    assert (level.on_hand, level.low_stock_threshold) == (5, 2)
    assert not LowStockAlert.objects.exists()


def test_release_action_frees_the_selected_checkouts_holds(owner_client, stocked_variant):
    variant = stocked_variant(5)
    (hold,) = inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])

    owner_client.post(
        "/admin/inventory/reservation/",
        {"action": "release", ACTION_CHECKBOX_NAME: [hold.pk]},
    )

    assert StockLevel.objects.get(variant=variant).reserved == 0
