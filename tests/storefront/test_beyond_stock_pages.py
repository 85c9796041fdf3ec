"""Back-orders and pre-orders as the shopper sees them: product page, cart, checkout, order
page and confirmation email say when units beyond stock ship."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.models import InventoryPolicy
from apps.orders import services as order_services
from apps.orders.emails import build_order_email
from apps.orders.models import Order
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant


@pytest.mark.django_db
def test_backordered_units_are_announced_from_product_page_to_confirmation(store_client, store):
    variant = stocked_variant(stock=1, inventory_policy=InventoryPolicy.BACKORDER)
    method = ShippingMethodFactory()
    assert "In stock" in store_client.get(variant.product.get_absolute_url()).content.decode()

    added = store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 3})
    assert added.status_code == 302
    assert "Back-order: ships in 14 days" in store_client.get("/cart/").content.decode()

    start = store_client.post("/checkout/")
    page_url = start["Location"]
    assert "Back-order: ships in 14 days" in store_client.get(page_url).content.decode()
    store_client.post(
        page_url, {"email": "b@x.test", **ADDRESS, "method": method.id, "action": "pay"}
    )
    order = Order.objects.get()
    line = order.lines.get()
    assert (line.backordered_quantity, line.backorder_kind) == (2, "backorder")
    order = order_services.mark_order_paid(order_id=order.id, amount=order.total)
    page = store_client.get(f"/orders/{order.token}/").content.decode()
    assert "2 of 3: Back-order: ships in 14 days" in page
    message = build_order_email(order=order, store=store, kind="confirmed", context={})
    assert "2 of 3: Back-order: ships in 14 days" in message.body


@pytest.mark.django_db
def test_product_page_shows_the_preorder_date_when_nothing_is_in_stock(store_client):
    ships = timezone.localdate() + timedelta(days=20)
    variant = stocked_variant(
        stock=0, inventory_policy=InventoryPolicy.PREORDER, preorder_until=ships
    )
    page = store_client.get(variant.product.get_absolute_url()).content.decode()
    assert f"Pre-order: ships {ships.day} " in page
    assert "Sold out" not in page
