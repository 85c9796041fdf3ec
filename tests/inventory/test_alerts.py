import smtplib

import pytest

from apps.inventory import selectors
from apps.inventory import services as inventory_services
from apps.inventory.models import LowStockAlert, StockLevel
from tests.conftest import STORE_SPEC

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def reserve(variant, quantity, reference):
    inventory_services.reserve(reference=reference, lines=[(variant.id, quantity)])


def test_falling_below_the_threshold_emails_the_owners_once(
    stocked_variant, mailoutbox, django_capture_on_commit_callbacks
):
    variant = stocked_variant(10)  # the store's default threshold is 5

    with django_capture_on_commit_callbacks(execute=True):
        reserve(variant, 6, "checkout:a")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reserve(variant, 1, "checkout:b")

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [STORE_SPEC["owner_email"]]
    assert variant.sku in message.subject
    assert "4 available (threshold 5)" in message.body
    assert callbacks == []  # an open alert: nothing more is queued
    alert = LowStockAlert.objects.get()
    assert (alert.available, alert.threshold, alert.is_open) == (4, 5, True)
    assert alert.notified_at is not None


def test_no_second_email_until_the_variant_is_restocked_above_its_threshold(
    stocked_variant, warehouse, mailoutbox, django_capture_on_commit_callbacks
):
    variant = stocked_variant(10)
    with django_capture_on_commit_callbacks(execute=True):
        reserve(variant, 6, "checkout:a")
    with django_capture_on_commit_callbacks(execute=True):
        inventory_services.release_reservation(reference="checkout:a")
    with django_capture_on_commit_callbacks(execute=True):
        reserve(variant, 7, "checkout:b")  # low again, but never restocked: no new email
    assert len(mailoutbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        inventory_services.receive_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, quantity=10
        )
    with django_capture_on_commit_callbacks(execute=True):
        reserve(variant, 10, "checkout:c")

    assert len(mailoutbox) == 2
    assert LowStockAlert.objects.filter(resolved_at__isnull=False).count() == 1
    assert LowStockAlert.objects.filter(resolved_at__isnull=True).count() == 1


def test_a_stock_row_threshold_overrides_the_store_default(
    stocked_variant, mailoutbox, django_capture_on_commit_callbacks
):
    variant = stocked_variant(10)
    StockLevel.objects.filter(variant=variant).update(low_stock_threshold=8)

    with django_capture_on_commit_callbacks(execute=True):
        reserve(variant, 3, "checkout:a")

    assert LowStockAlert.objects.get().threshold == 8
    assert len(mailoutbox) == 1


def test_removing_units_by_hand_can_raise_the_alert(
    stocked_variant, warehouse, mailoutbox, django_capture_on_commit_callbacks
):
    variant = stocked_variant(6)

    with django_capture_on_commit_callbacks(execute=True):
        inventory_services.adjust_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, delta=-2, reason="adjustment"
        )

    assert LowStockAlert.objects.get().available == 4
    assert len(mailoutbox) == 1


def test_a_failed_email_is_left_for_the_retry(stocked_variant, settings):
    settings.EMAIL_BACKEND = "tests.inventory.test_alerts.FailingEmailBackend"
    variant = stocked_variant(3)
    inventory_services.raise_low_stock_alerts(variant_ids=[variant.id])

    with pytest.raises(smtplib.SMTPException):
        inventory_services.notify_low_stock(variant_ids=[variant.id])

    assert LowStockAlert.objects.get().notified_at is None


def test_list_low_stock_shows_variants_below_their_threshold_lowest_first(stocked_variant):
    plenty, low, out = stocked_variant(20), stocked_variant(4), stocked_variant(1)
    reserve(out, 1, "checkout:a")

    items = selectors.list_low_stock()

    assert [(i.variant_id, i.available, i.threshold) for i in items] == [
        (out.id, 0, 5),
        (low.id, 4, 5),
    ]
    assert plenty.id not in {i.variant_id for i in items}


class FailingEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPException("relay down")
