"""The order page's read: order, lines and events in three plain statements, nothing more."""

import pytest

from apps.checkout import services as checkout_services
from apps.orders import locks
from apps.orders import selectors as order_selectors
from apps.orders.models import Order
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant

pytestmark = pytest.mark.django_db


def test_order_by_token_loads_lines_and_events_like_the_orm(django_assert_num_queries):
    checkout = ready_checkout(lines=[(stocked_variant(price="5.00"), 2), (stocked_variant(), 1)])
    order = pay_with_test_card(checkout_services.place_order(checkout=checkout).order)
    expected = Order.objects.prefetch_related("lines", "events").get(pk=order.pk)

    with django_assert_num_queries(3):
        found = order_selectors.get_order_by_token(token=order.token)
        lines = [(line.sku, line.quantity, line.line_total, line.order.number) for line in
                 found.lines.all()]  # fmt: skip
        events = [(event.type, event.data) for event in found.events.all()]
        assert list(found.fulfillments.all()) == [] and list(found.returns.all()) == []

    assert lines == [(li.sku, li.quantity, li.line_total, order.number) for li in
                     expected.lines.all()]  # fmt: skip
    assert events == [(e.type, e.data) for e in expected.events.all()]
    assert [e for e, _ in events] == ["placed", "paid"]
    assert found.shipping_address == expected.shipping_address and found.status == "paid"
    for token in ("nope", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(Order.DoesNotExist):
            order_selectors.get_order_by_token(token=token)


def test_lock_order_of_an_unknown_order_is_does_not_exist():
    with pytest.raises(Order.DoesNotExist):
        locks.lock_order(999_999)


def test_order_page_reads_order_lines_and_events_in_three_statements(django_assert_num_queries):
    checkout = ready_checkout(lines=[(stocked_variant(price="5.00"), 2), (stocked_variant(), 1)])
    order = pay_with_test_card(checkout_services.place_order(checkout=checkout).order)
    expected = Order.objects.prefetch_related("lines", "events").get(pk=order.pk)

    with django_assert_num_queries(3):
        page = order_selectors.get_order_page(token=order.token)

    assert [(li.sku, li.quantity, li.line_total) for li in page.lines] == [
        (li.sku, li.quantity, li.line_total) for li in expected.lines.all()
    ]
    assert [(e.type, e.data) for e in page.events] == [
        (e.type, e.data) for e in expected.events.all()
    ]
    assert page.fulfillments == [] and page.returns == []
    assert page.order.shipping_address == expected.shipping_address
    for token in ("nope", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(Order.DoesNotExist):
            order_selectors.get_order_page(token=token)
