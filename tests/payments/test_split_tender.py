"""Paying an order with a gift card and another method (split tender): the card pays what it
can on the payment page, the store's gateway the rest; refunds go to the other method first,
then back on the card; a card applied to an order cancelled unpaid goes back on the card."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail
from django.test import Client

from apps.inventory.models import StockMovement
from apps.orders import services as order_services
from apps.orders.models import Order, OrderEvent
from apps.payments import services
from apps.payments.models import GiftCard, Payment, Refund
from config.celery import app as celery_app
from tests.concurrency import run_concurrently
from tests.factories.payments import create_reserved_order

D = Decimal
CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "name": "Ada"}


@pytest.fixture
def eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def open_payment(order: Order) -> Payment:
    start = services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")
    return Payment.objects.get(pk=start.payment_id)


def apply(client, payment: Payment, code: str):
    return client.post(f"/payments/{payment.token}/gift-card/", {"code": code})


@pytest.mark.django_db
def test_gift_card_pays_part_and_the_test_card_the_rest_then_refunds_card_first(store_client):
    order = create_reserved_order()  # 40.00
    payment = open_payment(order)
    code = services.issue_gift_card(amount=D("15.00"), currency="USD").code

    applied = apply(store_client, payment, code.lower())
    page = store_client.get(f"/payments/{payment.token}/").content.decode()
    paid = store_client.post(f"/payments/{payment.token}/", CARD)

    order.refresh_from_db()
    payment.refresh_from_db()
    share = order.payments.get(gateway="gift_card")
    assert applied["Location"] == f"/payments/{payment.token}/"
    assert re.search(r'id="left-to-pay">25.00 USD<', page) and "−15.00" in page
    assert paid["Location"] == f"/orders/{order.token}/"
    assert order.status == Order.Status.PAID
    assert (payment.amount, payment.status, share.amount) == (D("25.00"), "succeeded", D("15.00"))
    assert GiftCard.objects.get().balance == D("0.00")
    assert StockMovement.objects.filter(order_reference=str(order.number)).count() == 1

    # 30.00 back: 25.00 to the test card first, then 5.00 on the gift card.
    first = services.refund_order(order_id=order.id, amount=D("30.00"))

    order.refresh_from_db()
    refunds = sorted(Refund.objects.all(), key=lambda r: r.id)
    assert first.payment_id == payment.id
    assert [(r.payment.gateway, r.amount) for r in refunds] == [
        ("test", D("25.00")), ("gift_card", D("5.00")),
    ]  # fmt: skip
    assert GiftCard.objects.get().balance == D("5.00")
    assert order.amount_refunded == D("30.00")
    assert order.payment_status == Order.PaymentStatus.PARTIALLY_REFUNDED


@pytest.mark.django_db
def test_gift_card_covering_everything_pays_the_order_at_once(
    store_client, eager_tasks, django_capture_on_commit_callbacks
):
    order = create_reserved_order()
    payment = open_payment(order)
    code = services.issue_gift_card(amount=D("100.00"), currency="USD").code

    with django_capture_on_commit_callbacks(execute=True):
        response = apply(store_client, payment, code)

    order.refresh_from_db()
    assert response["Location"] == f"/orders/{order.token}/"
    assert order.status == Order.Status.PAID
    assert GiftCard.objects.get().balance == D("60.00")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_wrong_code_is_a_message_and_changes_nothing(store_client):
    order = create_reserved_order()
    payment = open_payment(order)

    response = apply(store_client, payment, "AAAA-BBBB-CCCC-DDDD")
    page = store_client.get(response["Location"]).content.decode()

    payment.refresh_from_db()
    assert "This gift card code is not valid." in page
    assert payment.amount == D("40.00") and order.payments.count() == 1


@pytest.mark.django_db
def test_gift_card_then_paypal_for_the_rest(paypal_store, store_client):
    order = create_reserved_order()
    payment = open_payment(order)
    first_paypal_order = payment.external_id
    code = services.issue_gift_card(amount=D("10.00"), currency="USD").code

    apply(store_client, payment, code)
    page = store_client.get(f"/payments/{payment.token}/").content.decode()
    payment.refresh_from_db()
    approve = requests.get(payment.approval_url, allow_redirects=False, timeout=5)
    back = urlsplit(approve.headers["Location"])
    store_client.get(f"{back.path}?{back.query}")

    order.refresh_from_db()
    [_, second] = paypal_store.posts("/v2/checkout/orders")
    assert payment.external_id != first_paypal_order
    assert second.body["purchase_units"][0]["amount"]["value"] == "30.00"
    assert re.search(r'id="left-to-pay">30.00 USD<', page)
    assert order.status == Order.Status.PAID


@pytest.mark.django_db
def test_a_card_applied_to_an_order_cancelled_unpaid_goes_back_on_the_card(store_client):
    order = create_reserved_order()
    payment = open_payment(order)
    code = services.issue_gift_card(amount=D("15.00"), currency="USD").code
    apply(store_client, payment, code)
    order_services.cancel_order(order_id=order.id, reason="hold expired")

    returned = services.return_gift_cards_of_cancelled_orders()
    again = services.return_gift_cards_of_cancelled_orders()

    card = GiftCard.objects.get()
    share = order.payments.get(gateway="gift_card")
    assert (returned, again) == (1, 0)
    assert card.balance == D("15.00")
    assert [t.kind for t in card.transactions.order_by("id")] == ["issue", "redeem", "refund"]
    assert share.status == Payment.Status.REFUNDED and not share.applied_to_order
    assert OrderEvent.objects.filter(order=order, message__contains="back on the gift card")


def test_twenty_checkouts_spending_one_card_worth_three_pay_exactly_three(committed_store):
    orders = [create_reserved_order(quantity=1, unit_price=D("1.00"), on_hand=1) for _ in range(20)]
    payments = [open_payment(order) for order in orders]
    card = services.issue_gift_card(amount=D("3.00"), currency="USD")

    def checkout(index: int):
        client = Client(HTTP_HOST=committed_store.primary_host, REMOTE_ADDR=f"10.0.0.{index}")
        return apply(client, payments[index], card.code)["Location"]

    results = run_concurrently(checkout, [(i,) for i in range(20)], store=committed_store)

    paid = Order.objects.filter(pk__in=[o.pk for o in orders], status=Order.Status.PAID)
    card.card.refresh_from_db()
    assert paid.count() == 3
    assert sum(1 for location in results if location.startswith("/orders/")) == 3
    assert card.card.balance == D("0.00")
    assert Payment.objects.filter(gateway="gift_card").count() == 3


@pytest.mark.django_db
def test_the_api_lists_each_payment_of_the_order(store_client):
    from rest_framework.test import APIClient

    from apps.api import services as api_services

    order = create_reserved_order()
    payment = open_payment(order)
    apply(store_client, payment, services.issue_gift_card(amount=D("15.00"), currency="USD").code)
    store_client.post(f"/payments/{payment.token}/", CARD)
    _, key = api_services.create_api_key(name="erp", scopes=["orders:read"])
    api = APIClient(
        HTTP_HOST=store_client.defaults["HTTP_HOST"], HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    body = api.get(f"/api/v1/orders/{order.token}").json()

    assert body["payment_status"] == "paid"
    assert sorted((p["gateway"], p["amount"], p["status"]) for p in body["payments"]) == [
        ("gift_card", "15.00", "succeeded"), ("test", "25.00", "succeeded"),
    ]  # fmt: skip
