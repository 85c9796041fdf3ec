"""The order page a merchant reads: formatted address, lines, statuses, timeline, no tokens;
fulfil by lines; refund by lines with restock; a packing slip."""

import pytest

from apps.checkout import services as checkout_services
from apps.inventory.models import StockLevel, StockMovement
from apps.orders.models import Order, Return
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant


@pytest.fixture
def paid_order():
    mug = stocked_variant(price="12.00", stock=5, sku="MUG-RED")
    cap = stocked_variant(price="20.00", stock=5, sku="CAP-BLUE")
    checkout = ready_checkout(lines=[(mug, 2), (cap, 1)])
    return pay_with_test_card(checkout_services.place_order(checkout=checkout).order)


@pytest.mark.django_db
def test_order_page_reads_like_an_order_and_shows_no_internal_tokens(owner_client, paid_order):
    payment = paid_order.payments.get()

    html = owner_client.get(f"/admin/orders/order/{paid_order.id}/change/").content.decode()

    assert f"Order #{paid_order.number}" in html
    assert "Ada Lovelace<br>12 Analytical Way<br>12345 Springfield<br>United States" in html
    assert "MUG-RED" in html and "CAP-BLUE" in html
    assert "Payment received" in html  # the timeline
    assert "Unfulfilled" in html
    assert '"full_name"' not in html  # no raw JSON
    for secret in (payment.idempotency_key, str(payment.token), str(paid_order.checkout_token)):
        assert secret not in html


@pytest.mark.django_db
def test_fulfil_by_line_then_refund_one_line_with_restock(owner_client, paid_order):
    mug_line = paid_order.lines.get(sku="MUG-RED")
    cap_line = paid_order.lines.get(sku="CAP-BLUE")
    mug_stock = StockLevel.objects.get(variant_id=mug_line.variant_id)
    on_hand_before = mug_stock.on_hand

    shipped = owner_client.post(
        f"/admin/orders/order/{paid_order.id}/fulfil/",
        {f"line_{mug_line.id}": 2, f"line_{cap_line.id}": 1, "carrier": "UPS",
         "tracking_number": "1Z999"},
    )  # fmt: skip
    form_page = owner_client.get(f"/admin/orders/order/{paid_order.id}/refund/").content.decode()
    refunded = owner_client.post(
        f"/admin/orders/order/{paid_order.id}/refund/",
        {f"line_{mug_line.id}": 1, f"line_{cap_line.id}": 0, "restock": "on", "reason": "Chipped"},
    )

    assert shipped.status_code == refunded.status_code == 302
    assert "Restock these items" in form_page
    paid_order.refresh_from_db()
    mug_line.refresh_from_db()
    assert paid_order.status == Order.Status.FULFILLED
    assert str(paid_order.amount_refunded) == "12.00"
    assert paid_order.payment_status == Order.PaymentStatus.PARTIALLY_REFUNDED
    assert mug_line.quantity_returned == 1
    mug_stock.refresh_from_db()
    assert mug_stock.on_hand == on_hand_before + 1
    assert StockMovement.objects.filter(
        variant_id=mug_line.variant_id, reason=StockMovement.Reason.RETURN, delta=1
    ).exists()
    assert Return.objects.get(order=paid_order).status == Return.Status.RECEIVED
    page = owner_client.get(f"/admin/orders/order/{paid_order.id}/change/").content.decode()
    assert "1Z999" in page and "Refunded" in page and "1 returned" in page


@pytest.mark.django_db
def test_refund_without_items_or_amount_is_a_form_error_and_too_many_units_too(
    owner_client, paid_order
):
    line = paid_order.lines.get(sku="MUG-RED")
    other = paid_order.lines.get(sku="CAP-BLUE")
    owner_client.post(
        f"/admin/orders/order/{paid_order.id}/fulfil/",
        {f"line_{line.id}": 1, f"line_{other.id}": 0},
    )

    empty = owner_client.post(f"/admin/orders/order/{paid_order.id}/refund/", {"reason": "x"})
    too_many = owner_client.post(
        f"/admin/orders/order/{paid_order.id}/refund/", {f"line_{line.id}": 2, "restock": "on"}
    )

    assert empty.status_code == 200 and empty.context["form"].non_field_errors()
    assert too_many.status_code == 200 and too_many.context["form"].errors
    paid_order.refresh_from_db()
    assert not paid_order.amount_refunded


@pytest.mark.django_db
def test_packing_slip_lists_items_and_the_address(owner_client, paid_order):
    html = owner_client.get(f"/admin/orders/order/{paid_order.id}/packing-slip/").content.decode()

    assert "Packing slip" in html and "MUG-RED" in html and "12 Analytical Way" in html
    assert "12.00" not in html  # no prices on a slip that travels in the parcel
