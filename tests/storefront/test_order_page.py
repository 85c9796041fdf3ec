"""The order page shows what the shopper bought, where it is and what happened to it."""

import pytest

from apps.checkout import services as checkout_services
from apps.orders import services as order_services
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant

pytestmark = pytest.mark.django_db


def test_order_page_shows_lines_tracking_returns_and_history(store_client):
    variant = stocked_variant(price="12.00", sku="MUG-RED")
    checkout = ready_checkout(lines=[(variant, 2)])
    order = pay_with_test_card(checkout_services.place_order(checkout=checkout).order)
    # The page's own content: the footer links the store's returns policy on every page.
    paid_page = store_client.get(f"/orders/{order.token}/").content.decode().split("<footer")[0]
    line = order.lines.get()
    order_services.fulfill_order(
        order_id=order.id, lines=[(line.id, 2)], carrier="UPS", tracking_number="1Z999"
    )
    order_services.request_return(order_id=order.id, lines=[(line.id, 1)], reason="too big")

    shipped_page = store_client.get(f"/orders/{order.token}/").content.decode().split("<footer")[0]

    assert "MUG-RED" in paid_page and "Tracking" not in paid_page and "Returns" not in paid_page
    assert "MUG-RED" in shipped_page and "2 shipped" in shipped_page
    assert "with UPS" in shipped_page and "1Z999" in shipped_page
    assert "Returns" in shipped_page and "Requested" in shipped_page
    assert "Order placed" in shipped_page and "Payment received" in shipped_page
    assert "Items shipped" in shipped_page and "Return requested" in shipped_page
