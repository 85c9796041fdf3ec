from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.inventory import selectors
from apps.inventory import services as inventory_services
from apps.inventory.exceptions import (
    InsufficientStock,
    InvalidQuantity,
    InvalidReservation,
    ReservationNotFound,
)
from apps.inventory.models import Reservation, StockLevel, StockMovement
from apps.preferences.selectors import get_store_settings
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, expire_reservations, stock

pytestmark = pytest.mark.django_db


def level_of(variant, warehouse) -> StockLevel:
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


def test_reserve_holds_units_and_lowers_availability(stocked_variant, warehouse):
    variant = stocked_variant(10)

    holds = inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 3)])

    assert [(h.variant_id, h.warehouse_id, h.quantity, h.state) for h in holds] == [
        (variant.id, warehouse.id, 3, "active")
    ]
    assert holds[0].pk == Reservation.objects.get(reference="checkout:a").pk
    assert level_of(variant, warehouse).reserved == 3
    assert selectors.get_available_by_variant([variant.id]) == {variant.id: 7}


def test_reserve_takes_the_highest_priority_warehouse_first(warehouse, second_warehouse):
    variant = VariantFactory()
    stock(variant, second_warehouse, 10)
    stock(variant, warehouse, 10)

    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])

    assert level_of(variant, warehouse).reserved == 4
    assert level_of(variant, second_warehouse).reserved == 0


def test_reserve_splits_a_line_across_warehouses_when_one_is_short(warehouse, second_warehouse):
    variant = VariantFactory()
    stock(variant, warehouse, 3)
    stock(variant, second_warehouse, 5)

    holds = inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 6)])

    assert [(h.warehouse_id, h.quantity) for h in holds] == [
        (warehouse.id, 3),
        (second_warehouse.id, 3),
    ]
    assert level_of(variant, warehouse).reserved == 3
    assert level_of(variant, second_warehouse).reserved == 3


def test_a_three_line_reservation_with_one_short_line_reserves_nothing(stocked_variant):
    plenty, also_plenty, scarce = stocked_variant(10), stocked_variant(10), stocked_variant(2)

    with pytest.raises(InsufficientStock) as excinfo:
        inventory_services.reserve(
            reference="checkout:a",
            lines=[(plenty.id, 1), (scarce.id, 3), (also_plenty.id, 1)],
        )

    assert excinfo.value.http_status == 409
    assert excinfo.value.extra == {
        "lines": [{"variant_id": scarce.id, "requested": 3, "available": 2}]
    }
    assert not Reservation.objects.exists()
    assert StockLevel.objects.aggregate(reserved=Sum("reserved"))["reserved"] == 0


def test_reserve_ignores_inactive_warehouses(warehouse, second_warehouse):
    variant = VariantFactory()
    stock(variant, warehouse, 2)
    stock(variant, second_warehouse, 10)
    second_warehouse.active = False
    second_warehouse.save()

    with pytest.raises(InsufficientStock):
        inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 3)])

    assert selectors.get_available_by_variant([variant.id]) == {variant.id: 2}


def test_reserve_of_a_variant_without_stock_is_a_shortage():
    variant = VariantFactory()

    with pytest.raises(InsufficientStock) as excinfo:
        inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 1)])

    assert excinfo.value.extra["lines"] == [
        {"variant_id": variant.id, "requested": 1, "available": 0}
    ]


def test_reserve_merges_repeated_lines_of_one_variant(stocked_variant, warehouse):
    variant = stocked_variant(10)

    holds = inventory_services.reserve(
        reference="checkout:a", lines=[(variant.id, 2), (variant.id, 3)]
    )

    assert [h.quantity for h in holds] == [5]
    assert level_of(variant, warehouse).reserved == 5


def test_reserving_the_same_reference_again_replaces_its_previous_holds(stocked_variant, warehouse):
    variant, other = stocked_variant(10), stocked_variant(10)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])

    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2), (other.id, 1)])
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2), (other.id, 1)])

    assert level_of(variant, warehouse).reserved == 2
    assert level_of(other, warehouse).reserved == 1
    assert Reservation.objects.filter(reference="checkout:a", state="active").count() == 2
    assert set(
        Reservation.objects.filter(state="released").values_list("release_reason", flat=True)
    ) == {"replaced"}


def test_re_reserving_may_use_the_units_the_reference_already_holds(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 5)])

    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 5)])

    assert level_of(variant, warehouse).reserved == 5


def test_a_failed_re_reservation_keeps_the_previous_holds(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])

    with pytest.raises(InsufficientStock):
        inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 6)])

    assert level_of(variant, warehouse).reserved == 2
    assert Reservation.objects.get(reference="checkout:a").state == "active"


def test_reservation_lifetime_defaults_to_the_store_setting(stocked_variant):
    variant = stocked_variant(5)
    store_settings = get_store_settings()
    store_settings.reservation_minutes = 30
    store_settings.save()

    before = timezone.now()
    (hold,) = inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 1)])
    (short_hold,) = inventory_services.reserve(
        reference="checkout:b", lines=[(variant.id, 1)], minutes=2
    )

    assert before + timedelta(minutes=30) <= hold.expires_at
    assert hold.expires_at <= timezone.now() + timedelta(minutes=30)
    assert short_hold.expires_at <= timezone.now() + timedelta(minutes=2)


def test_commit_turns_holds_into_a_sale_with_one_ledger_row_per_stock_row(
    warehouse, second_warehouse
):
    variant = VariantFactory()
    stock(variant, warehouse, 3)
    stock(variant, second_warehouse, 5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 6)])

    inventory_services.commit_reservation(
        reference="checkout:a", order_reference="order:1001", actor_id=None
    )

    main, overflow = level_of(variant, warehouse), level_of(variant, second_warehouse)
    assert (main.on_hand, main.reserved) == (0, 0)
    assert (overflow.on_hand, overflow.reserved) == (2, 0)
    sales = StockMovement.objects.filter(reason="sale").order_by("warehouse__priority")
    assert [(m.warehouse_id, m.delta, m.order_reference) for m in sales] == [
        (warehouse.id, -3, "order:1001"),
        (second_warehouse.id, -3, "order:1001"),
    ]
    assert set(Reservation.objects.values_list("state", flat=True)) == {"committed"}


def test_committing_twice_changes_nothing(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])
    inventory_services.commit_reservation(reference="checkout:a", order_reference="order:1")

    inventory_services.commit_reservation(reference="checkout:a", order_reference="order:1")

    level = level_of(variant, warehouse)
    assert (level.on_hand, level.reserved) == (3, 0)
    assert StockMovement.objects.filter(reason="sale").count() == 1


def test_commit_of_a_reference_that_never_reserved_is_not_found():
    with pytest.raises(ReservationNotFound):
        inventory_services.commit_reservation(reference="checkout:nobody")


def test_commit_after_expiry_still_sells_when_the_units_are_free(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:late", lines=[(variant.id, 2)])
    expire_reservations("checkout:late")
    assert inventory_services.release_expired() == 1

    inventory_services.commit_reservation(reference="checkout:late", order_reference="order:7")

    level = level_of(variant, warehouse)
    assert (level.on_hand, level.reserved) == (3, 0)
    assert Reservation.objects.get(reference="checkout:late").state == "committed"
    assert StockMovement.objects.get(reason="sale").delta == -2


def test_commit_of_an_expired_hold_nobody_swept_sells_it(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:late", lines=[(variant.id, 2)])
    expire_reservations("checkout:late")

    inventory_services.commit_reservation(reference="checkout:late")

    level = level_of(variant, warehouse)
    assert (level.on_hand, level.reserved) == (3, 0)


def test_commit_after_expiry_fails_and_changes_nothing_when_the_units_were_sold(
    stocked_variant, warehouse
):
    variant = stocked_variant(3)
    inventory_services.reserve(reference="checkout:late", lines=[(variant.id, 2)])
    expire_reservations("checkout:late")
    inventory_services.reserve(reference="checkout:fast", lines=[(variant.id, 3)])

    with pytest.raises(InsufficientStock) as excinfo:
        inventory_services.commit_reservation(reference="checkout:late")

    assert excinfo.value.extra["lines"] == [
        {"variant_id": variant.id, "requested": 2, "available": 0}
    ]
    level = level_of(variant, warehouse)
    assert (level.on_hand, level.reserved) == (3, 3)
    assert Reservation.objects.get(reference="checkout:late").state == "released"
    assert not StockMovement.objects.filter(reason="sale").exists()


def test_release_gives_the_units_back_and_is_idempotent(stocked_variant, warehouse):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])

    first = inventory_services.release_reservation(reference="checkout:a")
    second = inventory_services.release_reservation(reference="checkout:a")

    assert (first, second) == (1, 0)
    assert level_of(variant, warehouse).reserved == 0
    assert Reservation.objects.get().release_reason == "cancelled"


def test_a_new_buyer_gets_stock_held_by_an_expired_reservation_with_no_worker_running(
    stocked_variant, warehouse
):
    variant = stocked_variant(5)
    inventory_services.reserve(reference="checkout:gone", lines=[(variant.id, 5)])
    expire_reservations("checkout:gone")
    assert selectors.get_available_by_variant([variant.id]) == {variant.id: 5}

    holds = inventory_services.reserve(reference="checkout:new", lines=[(variant.id, 5)])

    assert sum(h.quantity for h in holds) == 5
    assert level_of(variant, warehouse).reserved == 5
    gone = Reservation.objects.get(reference="checkout:gone")
    assert (gone.state, gone.release_reason) == ("released", "expired")


def test_the_sweeper_releases_expired_holds_and_a_second_run_changes_nothing(
    stocked_variant, warehouse
):
    variant = stocked_variant(10)
    for n in range(5):
        inventory_services.reserve(reference=f"checkout:{n}", lines=[(variant.id, 1)])
        expire_reservations(f"checkout:{n}")
    inventory_services.reserve(reference="checkout:live", lines=[(variant.id, 2)])

    first = inventory_services.release_expired(batch_size=2)
    state_after_first = list(Reservation.objects.order_by("pk").values_list("state", "updated_at"))
    second = inventory_services.release_expired(batch_size=2)

    assert (first, second) == (5, 0)
    assert level_of(variant, warehouse).reserved == 2
    assert Reservation.objects.get(reference="checkout:live").state == "active"
    assert list(Reservation.objects.order_by("pk").values_list("state", "updated_at")) == (
        state_after_first
    )


def test_get_reservations_returns_the_latest_holds_of_a_reference(stocked_variant):
    variant, other = stocked_variant(5), stocked_variant(5)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 1)])
    inventory_services.reserve(reference="checkout:a", lines=[(other.id, 2)])

    holds = selectors.get_reservations("checkout:a")

    assert [(h.variant_id, h.quantity, h.state) for h in holds] == [(other.id, 2, "active")]
    assert selectors.get_reservations("checkout:none") == []


BAD_QUANTITIES = [0, -1, 1.5, "3", True, None, 10**9]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_reserve_rejects_a_bad_quantity_and_changes_nothing(stocked_variant, quantity):
    variant = stocked_variant(5)
    good = stocked_variant(5)
    before = list(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved"))

    with pytest.raises(InvalidQuantity) as excinfo:
        inventory_services.reserve(
            reference="checkout:a", lines=[(good.id, 1), (variant.id, quantity)]
        )

    assert excinfo.value.http_status == 400
    assert list(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved")) == before
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    "arguments",
    [
        {"reference": "", "lines": "OK"},
        {"reference": None, "lines": "OK"},
        {"reference": "x" * 101, "lines": "OK"},
        {"reference": "checkout:a", "lines": []},
        {"reference": "checkout:a", "lines": "abc"},
        {"reference": "checkout:a", "lines": [("1", 1)]},
        {"reference": "checkout:a", "lines": [(1,)]},
        {"reference": "checkout:a", "lines": "OK", "minutes": 0},
        {"reference": "checkout:a", "lines": "OK", "minutes": 10**6},
    ],
)
def test_reserve_rejects_a_malformed_request_and_changes_nothing(stocked_variant, arguments):
    variant = stocked_variant(5)
    if arguments["lines"] == "OK":
        arguments = {**arguments, "lines": [(variant.id, 1)]}

    with pytest.raises(InvalidReservation) as excinfo:
        inventory_services.reserve(**arguments)

    assert excinfo.value.http_status == 400
    assert not Reservation.objects.exists()
    assert StockLevel.objects.get(variant=variant).reserved == 0


def test_reserve_rejects_too_large_a_total_for_one_variant(stocked_variant):
    variant = stocked_variant(5)

    with pytest.raises(InvalidQuantity):
        inventory_services.reserve(
            reference="checkout:a", lines=[(variant.id, 999_999), (variant.id, 999_999)]
        )

    assert not Reservation.objects.exists()


def test_holds_of_an_inactive_warehouse_still_commit(warehouse):
    variant = VariantFactory()
    stock(variant, warehouse, 4)
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 4)])
    warehouse.active = False
    warehouse.save()

    inventory_services.commit_reservation(reference="checkout:a")

    assert level_of(variant, warehouse).on_hand == 0


def test_the_sweeper_leaves_holds_that_have_not_expired(stocked_variant):
    variant = stocked_variant(5)
    WarehouseFactory()
    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 1)], minutes=1)

    assert inventory_services.release_expired() == 0
