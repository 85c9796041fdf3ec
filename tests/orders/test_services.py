from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.checkout import services as checkout_services
from apps.inventory.models import StockLevel, StockMovement
from apps.orders import services
from apps.orders.exceptions import (
    InvalidFulfillment,
    InvalidOrderTransition,
    InvalidRefund,
    InvalidReturn,
    OrderNotPayable,
)
from apps.orders.models import Order, OrderEvent, Return
from tests.shopping import ready_checkout, stocked_variant

D = Decimal


def _placed_order(quantity: int = 2, stock: int = 5) -> Order:
    variant = stocked_variant(price="10.00", stock=stock)
    checkout = ready_checkout(lines=[(variant, quantity)])
    return checkout_services.place_order(checkout=checkout).order


def _paid_order(**kwargs) -> Order:
    order = _placed_order(**kwargs)
    return services.mark_order_paid(order_id=order.id, amount=order.total, payment_reference="p1")


@pytest.mark.django_db
def test_paying_commits_the_hold_and_writes_sale_ledger_rows():
    order = _placed_order(quantity=2, stock=5)

    paid = services.mark_order_paid(order_id=order.id, amount=order.total)

    level = StockLevel.objects.get()
    assert paid.status == Order.Status.PAID and paid.paid_at is not None
    assert (level.on_hand, level.reserved) == (3, 0)
    assert StockMovement.objects.filter(reason="sale").get().delta == -2
    assert paid.events.filter(type=OrderEvent.Type.PAID).count() == 1


@pytest.mark.django_db
def test_paying_twice_changes_nothing_the_second_time():
    order = _paid_order()

    services.mark_order_paid(order_id=order.id, amount=order.total)

    assert StockMovement.objects.filter(reason="sale").count() == 1
    assert order.events.filter(type=OrderEvent.Type.PAID).count() == 1


@pytest.mark.django_db
def test_paying_a_cancelled_order_or_a_wrong_amount_is_refused():
    order = _placed_order()

    with pytest.raises(OrderNotPayable):
        services.mark_order_paid(order_id=order.id, amount=order.total - D("1"))
    services.cancel_order(order_id=order.id)
    with pytest.raises(OrderNotPayable):
        services.mark_order_paid(order_id=order.id, amount=order.total)


@pytest.mark.django_db
def test_cancelling_a_pending_order_releases_its_hold():
    order = _placed_order(quantity=2, stock=5)

    services.cancel_order(order_id=order.id, reason="changed my mind")

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert StockLevel.objects.get().reserved == 0


@pytest.mark.django_db
def test_cancelling_a_paid_order_restocks_with_a_return_ledger_row():
    order = _paid_order(quantity=2, stock=5)

    services.cancel_order(order_id=order.id)

    assert StockLevel.objects.get().on_hand == 5
    assert StockMovement.objects.filter(reason="return").get().delta == 2


@pytest.mark.django_db
def test_partial_then_full_fulfilment_and_delivery():
    order = _paid_order(quantity=3)
    line = order.lines.get()

    services.fulfill_order(order_id=order.id, lines=[(line.id, 1)], carrier="UPS",
                           tracking_number="1Z999")  # fmt: skip
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_FULFILLED
    services.fulfill_order(order_id=order.id, lines=[(line.id, 2)])
    services.mark_order_delivered(order_id=order.id)

    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    assert order.fulfillments.count() == 2
    assert order.fulfillments.filter(delivered_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_fulfilment_cannot_ship_more_than_ordered_or_an_unpaid_order():
    pending = _placed_order()
    paid = _paid_order(quantity=1)

    with pytest.raises(InvalidOrderTransition):
        services.fulfill_order(order_id=pending.id, lines=[(pending.lines.get().id, 1)])
    with pytest.raises(InvalidFulfillment):
        services.fulfill_order(order_id=paid.id, lines=[(paid.lines.get().id, 2)])


@pytest.mark.django_db
def test_delivered_before_shipping_is_an_invalid_transition():
    order = _paid_order()

    with pytest.raises(InvalidOrderTransition) as excinfo:
        services.mark_order_delivered(order_id=order.id)

    assert excinfo.value.http_status == 409


@pytest.mark.django_db
def test_partial_then_full_refund_moves_payment_status_and_order_status():
    order = _paid_order(quantity=2)  # total 25.00 (20 + 5 shipping)

    services.record_refund(order_id=order.id, amount=D("5.00"))
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PARTIALLY_REFUNDED
    services.record_refund(order_id=order.id, amount=order.refundable_amount)

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert order.status == Order.Status.REFUNDED
    assert order.amount_refunded == order.total
    with pytest.raises(InvalidRefund):
        services.record_refund(order_id=order.id, amount=D("0.01"))


@pytest.mark.django_db
def test_return_flow_restocks_and_sets_refund_amount():
    order = _paid_order(quantity=2, stock=5)
    line = order.lines.get()
    services.fulfill_order(order_id=order.id, lines=[(line.id, 2)])

    return_request = services.request_return(order_id=order.id, lines=[(line.id, 1)],
                                             reason="Too small")  # fmt: skip
    services.approve_return(return_id=return_request.id)
    received = services.receive_return(return_id=return_request.id)

    line.refresh_from_db()
    assert received.status == Return.Status.RECEIVED
    assert received.refund_amount == D("10.00")
    assert line.quantity_returned == 1
    assert StockLevel.objects.get().on_hand == 4  # 5 − 2 sold + 1 back
    with pytest.raises(InvalidReturn):
        services.request_return(order_id=order.id, lines=[(line.id, 2)])


@pytest.mark.django_db
def test_unshipped_orders_cannot_be_returned():
    order = _paid_order()

    with pytest.raises(InvalidReturn):
        services.request_return(order_id=order.id, lines=[(order.lines.get().id, 1)])


@pytest.mark.django_db
def test_cancel_expired_orders_cancels_only_lapsed_holds():
    lapsed = _placed_order()
    fresh = _placed_order()
    later = timezone.now() + timedelta(minutes=16)
    from apps.inventory.models import Reservation

    Reservation.objects.filter(reference=fresh.reservation_reference).update(
        expires_at=later + timedelta(minutes=30)
    )

    cancelled = services.cancel_expired_orders(now=later)
    again = services.cancel_expired_orders(now=later)

    lapsed.refresh_from_db()
    fresh.refresh_from_db()
    assert (cancelled, again) == (1, 0)
    assert lapsed.status == Order.Status.CANCELLED
    assert fresh.status == Order.Status.PENDING
