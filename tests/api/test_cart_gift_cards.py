"""Gift cards on an API cart (issue #19): apply and remove with the amount left shown, an order
placed from the cart paid by the card first (all or part), each payment listed on the order."""

from decimal import Decimal

import pytest

from apps.orders.models import Order
from apps.payments import services as payment_services
from apps.payments.models import GiftCard
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, pay_with_test_card, stocked_variant

D = Decimal


def cart_with(api, variant, quantity: int = 1) -> str:
    cart_id = api.post("/api/v1/carts").json()["cart_id"]
    api.post(
        f"/api/v1/carts/{cart_id}/items",
        {"variant_id": variant.id, "quantity": quantity},
        format="json",
    )
    return cart_id


def order_body(cart_id: str, method) -> dict:
    return {
        "cart_id": cart_id,
        "email": "buyer@example.test",
        "shipping_address": ADDRESS,
        "shipping_method": method.id,
    }


@pytest.mark.django_db
def test_apply_shows_what_the_card_pays_and_remove_takes_it_off(anonymous_api):
    variant = stocked_variant(price="30.00", stock=5)
    cart_id = cart_with(anonymous_api, variant, 2)  # 60.00
    issued = payment_services.issue_gift_card(amount=D("25.00"), currency="USD")

    applied = anonymous_api.post(
        f"/api/v1/carts/{cart_id}/gift-cards", {"code": issued.code.lower()}, format="json"
    )
    removed = anonymous_api.delete(f"/api/v1/carts/{cart_id}/gift-cards/{issued.card.id}")
    again = anonymous_api.delete(f"/api/v1/carts/{cart_id}/gift-cards/{issued.card.id}")

    body = applied.json()
    assert applied.status_code == 201, body
    assert body["gift_cards"] == [{
        "id": issued.card.id, "last4": issued.card.last4, "balance": "25.00",
        "currency": "USD", "amount": "25.00",
    }]  # fmt: skip
    assert (body["total"], body["amount_due"]) == ("60.00", "35.00")
    assert removed.status_code == 200
    assert removed.json()["gift_cards"] == [] and removed.json()["amount_due"] == "60.00"
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["unknown", "disabled", "empty"])
def test_a_card_that_cannot_pay_is_refused_with_the_error_shape(anonymous_api, state):
    cart_id = cart_with(anonymous_api, stocked_variant(stock=5))
    issued = payment_services.issue_gift_card(amount=D("5.00"), currency="USD")
    code = issued.code
    if state == "unknown":
        code = "0000-0000-0000-0000"
    elif state == "disabled":
        payment_services.disable_gift_card(card_id=issued.card.id)
    else:
        payment_services.redeem_gift_card(card_id=issued.card.id, amount=D("5.00"), currency="USD")

    response = anonymous_api.post(
        f"/api/v1/carts/{cart_id}/gift-cards", {"code": code}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "gift_card_refused"
    assert anonymous_api.get(f"/api/v1/carts/{cart_id}").json()["gift_cards"] == []


@pytest.mark.django_db
def test_order_from_the_cart_is_paid_part_by_card_and_lists_each_payment(api, anonymous_api):
    variant = stocked_variant(price="30.00", stock=5)
    method = ShippingMethodFactory(price=D("5.00"))
    cart_id = cart_with(anonymous_api, variant, 2)  # 60.00 + 5.00 shipping
    issued = payment_services.issue_gift_card(amount=D("25.00"), currency="USD")
    anonymous_api.post(f"/api/v1/carts/{cart_id}/gift-cards", {"code": issued.code}, format="json")

    created = anonymous_api.post("/api/v1/orders", order_body(cart_id, method), format="json")
    order = Order.objects.get()
    pay_with_test_card(order)
    detail = api.get(f"/api/v1/orders/{order.token}").json()

    order.refresh_from_db()
    assert created.status_code == 201, created.json()
    assert created.json()["payment"]["type"] == "redirect"
    assert order.status == Order.Status.PAID
    payments = sorted(detail["payments"], key=lambda p: p["method"])
    assert [(p["method"], p["amount"], p["status"], p["gift_card_last4"]) for p in payments] == [
        ("gift_card", "25.00", "succeeded", issued.card.last4),
        ("test", "40.00", "succeeded", None),
    ]  # fmt: skip
    assert GiftCard.objects.get().balance == D("0.00")


@pytest.mark.django_db
def test_order_covered_by_gift_cards_is_paid_at_once(api, anonymous_api):
    variant = stocked_variant(price="10.00", stock=5)
    method = ShippingMethodFactory(price=D("5.00"))
    cart_id = cart_with(anonymous_api, variant)  # 10.00 + 5.00
    issued = payment_services.issue_gift_card(amount=D("100.00"), currency="USD")
    anonymous_api.post(f"/api/v1/carts/{cart_id}/gift-cards", {"code": issued.code}, format="json")

    created = anonymous_api.post("/api/v1/orders", order_body(cart_id, method), format="json")

    body = created.json()
    detail = api.get(f"/api/v1/orders/{body['order_id']}").json()
    assert created.status_code == 201, body
    assert body["payment"] == {"type": "none"} and body["status"] == "paid"
    assert [(p["method"], p["amount"]) for p in detail["payments"]] == [("gift_card", "15.00")]
    assert GiftCard.objects.get().balance == D("85.00")
