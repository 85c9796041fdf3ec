import pytest
from django.test import Client

from apps.checkout import services as checkout_services
from apps.orders.models import Order
from tests.factories.accounts import UserFactory
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant


def _paid_order() -> Order:
    checkout = ready_checkout(lines=[(stocked_variant(price="10.00", stock=5), 2)])
    return pay_with_test_card(checkout_services.place_order(checkout=checkout).order)


def _admin_client(store, **user_fields) -> Client:
    client = Client(HTTP_HOST=store.primary_host)
    client.force_login(UserFactory(is_staff=True, **user_fields))
    return client


@pytest.mark.django_db
def test_owner_fulfils_then_refunds_from_the_order_admin(store):
    order = _paid_order()
    line = order.lines.get()
    owner = _admin_client(store, is_superuser=True)

    shipped = owner.post(
        f"/admin/orders/order/{order.id}/fulfil/",
        {f"line_{line.id}": 2, "carrier": "UPS", "tracking_number": "1Z1"},
    )
    refunded = owner.post(
        f"/admin/orders/order/{order.id}/refund/", {"amount": "5.00", "reason": "Scratched"}
    )
    too_much = owner.post(f"/admin/orders/order/{order.id}/refund/", {"amount": "999.00"})

    order.refresh_from_db()
    assert shipped.status_code == refunded.status_code == 302
    assert order.status == Order.Status.FULFILLED
    assert str(order.amount_refunded) == "5.00"
    assert too_much.status_code == 200 and too_much.context["form"].non_field_errors()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["fulfil", "refund", "cancel", "deliver"])
def test_staff_without_order_permissions_cannot_run_order_actions(store, action):
    order = _paid_order()
    clerk = _admin_client(store)

    response = clerk.post(f"/admin/orders/order/{order.id}/{action}/", {"amount": "1.00"})

    order.refresh_from_db()
    assert response.status_code == 403
    assert order.status == Order.Status.PAID and not order.amount_refunded
