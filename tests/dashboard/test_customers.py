"""Customers: a list with orders count and total spent, a page with orders and addresses."""

import pytest

from apps.orders.models import Order
from tests.factories.accounts import UserFactory
from tests.factories.orders import make_order
from tests.shopping import ADDRESS


@pytest.mark.django_db
def test_customer_list_counts_orders_and_spend_net_of_refunds_and_unpaid(owner_client):
    ada = UserFactory(email="ada@example.test", first_name="Ada")
    UserFactory(email="bob@example.test")
    make_order(total="30.00", user=ada)
    make_order(total="20.00", refunded="5.00", user=ada,
               payment_status=Order.PaymentStatus.PARTIALLY_REFUNDED)  # fmt: skip
    make_order(total="99.00", user=ada, payment_status=Order.PaymentStatus.UNPAID,
               status=Order.Status.PENDING)  # fmt: skip

    page = owner_client.get("/admin/customers/?sort=spent")

    rows = list(page.context["page"])
    assert [(c.email, c.orders_count, str(c.total_spent)) for c in rows][:2] == [
        ("ada@example.test", 3, "45.00"), ("bob@example.test", 0, "0"),
    ]  # fmt: skip
    assert "owner@teststore.test" not in [c.email for c in rows]  # staff are not customers


@pytest.mark.django_db
def test_customer_page_shows_orders_and_formatted_addresses(owner_client):
    ada = UserFactory(email="ada@example.test")
    order = make_order(total="30.00", user=ada)
    Order.objects.filter(pk=order.pk).update(shipping_address=ADDRESS)

    html = owner_client.get(f"/admin/customers/{ada.pk}/").content.decode()
    missing = owner_client.get("/admin/customers/999999/")

    assert f"#{order.number}" in html
    assert "12 Analytical Way<br>12345 Springfield" in html
    assert missing.status_code == 404


@pytest.mark.django_db
def test_customer_search_finds_by_email(owner_client):
    UserFactory(email="zoe@example.test")
    UserFactory(email="max@example.test")

    rows = list(owner_client.get("/admin/customers/?q=zoe").context["page"])

    assert [c.email for c in rows] == ["zoe@example.test"]
