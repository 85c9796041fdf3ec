"""Gift cards sold as products (issue #19 acceptance): a shopper buys a gift card on the
storefront; paying issues the card and a real worker emails its code to the recipient, once;
the recipient spends part of it with the rest on the test card; a refund goes back on the card.
"""

import re
import time
from decimal import Decimal

import pytest
from django.test import Client

from apps.inventory.models import Reservation
from apps.orders.models import Order, OrderEmail, OrderEvent
from apps.payments import services
from apps.payments.models import GiftCard, Payment
from apps.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.celery_worker import running_worker
from tests.factories.catalog import ProductFactory, VariantFactory
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant

D = Decimal
CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "name": "Ada"}
CODE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")


def gift_card_product(*amounts: str):
    product = ProductFactory(name="Gift card", slug="gift-card", is_gift_card=True)
    return [VariantFactory(product=product, price=D(a), name=f"{a} USD") for a in amounts]


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)


def checkout(shopper: Client, answers: dict) -> str:
    """The one-page checkout → the payment page's URL."""
    token = re.search(r"/checkout/([0-9a-f-]{36})/", shopper.post("/checkout/")["Location"])[1]
    placed = shopper.post(f"/checkout/{token}/", {**answers, "action": "pay"})
    assert placed.status_code == 302, placed.content.decode()[:2000]
    return placed["Location"]


@pytest.mark.worker
def test_buy_a_gift_card_spend_part_of_it_and_refund_to_it(committed_store, tmp_path, monkeypatch):
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(tmp_path))
    _, fifty = gift_card_product("25.00", "50.00")
    WebhookSubscription.objects.create(
        url="http://127.0.0.1:9/hook", topics=["gift_card.issued", "gift_card.used",
                                               "gift_card.refunded"],
    )  # fmt: skip
    merchant_card = services.issue_gift_card(amount=D("10.00"), currency="USD")  # issued
    buyer = Client(HTTP_HOST=committed_store.primary_host)
    host = committed_store.primary_host

    with running_worker():
        page = buyer.get("/products/gift-card/").content.decode()
        added = buyer.post("/cart/add/", {
            "product": "gift-card", "variant_id": fifty.id, "quantity": 1,
            "recipient_name": "Grace", "recipient_email": "grace@example.test",
            "message": "Happy birthday!",
        })  # fmt: skip
        cart_page = buyer.get("/cart/").content.decode()
        # Gift cards alone: no delivery method is asked for.
        pay_url = checkout(buyer, {"email": "ada@example.test", **ADDRESS})
        paid = buyer.post(pay_url, CARD)
        bought = Order.objects.get()
        wait_for(
            lambda: OrderEmail.objects.filter(kind="gift_card", sent_at__isnull=False).exists()
        )
        # The same message again (a broker redelivery): nothing more is sent.
        card = GiftCard.objects.get(order_line__order=bought)
        again = services.send_gift_card_email(order_id=bought.id, card_id=card.id)
        wait_for(lambda: bought.events.filter(type=OrderEvent.Type.EMAIL_SENT).count() >= 2)

    bought.refresh_from_db()
    assert 'name="recipient_email"' in page and "Who is it for?" in page
    assert added.status_code == 302 and "grace@example.test" in cart_page
    assert paid["Location"] == f"/orders/{bought.token}/"
    assert bought.status == Order.Status.PAID and bought.shipping_total == D("0.00")
    assert bought.shipping_method_name == ""
    assert not Reservation.objects.exists()  # a gift card holds no stock
    assert (card.initial_balance, card.balance, card.recipient_email) == (
        D("50.00"), D("50.00"), "grace@example.test",
    )  # fmt: skip
    assert again is False
    mails = [path.read_text() for path in tmp_path.iterdir()]
    gifts = [m for m in mails if "You have received a gift card" in m]
    assert len(gifts) == 1, mails
    assert "To: grace@example.test" in gifts[0] and "Happy birthday!" in gifts[0]
    code = CODE.search(gifts[0])[1]
    assert code.endswith(card.last4)
    assert code not in str(list(bought.events.values_list("data", flat=True)))
    confirmation = next(m for m in mails if f"Order #{bought.number} confirmed" in m)
    assert "Paid with:" in confirmation and "Card (test)" in confirmation

    # Grace spends all 50.00 of it on a 75.00 order; the test card pays the other 25.00.
    lamp = stocked_variant(price="70.00", stock=3)
    method = ShippingMethodFactory(price=D("5.00"))
    grace = Client(HTTP_HOST=host)
    grace.post("/cart/add/", {"variant_id": lamp.id, "quantity": 1})
    pay_url = checkout(grace, {"email": "grace@example.test", **ADDRESS, "method": method.id})
    grace.post(f"{pay_url}gift-card/", {"code": code.lower()})
    left = grace.get(pay_url).content.decode()
    grace.post(pay_url, CARD)

    order = Order.objects.exclude(pk=bought.pk).get()
    card.refresh_from_db()
    assert order.total == D("75.00") and order.status == Order.Status.PAID
    assert re.search(r'id="left-to-pay">25.00 USD<', left)
    assert sorted((p.gateway, p.amount) for p in order.payments.all()) == [
        ("gift_card", D("50.00")), ("test", D("25.00")),
    ]  # fmt: skip
    assert card.balance == D("0.00")

    # Refund 30.00: the test card's 25.00 first, then 5.00 back on the gift card.
    services.refund_order(order_id=order.id, amount=D("30.00"))

    card.refresh_from_db()
    assert card.balance == D("5.00")
    kinds = list(card.transactions.order_by("id").values_list("kind", "amount"))
    assert kinds == [("issue", D("50.00")), ("redeem", D("-50.00")), ("refund", D("5.00"))]
    topics = set(WebhookDelivery.objects.values_list("topic", flat=True))
    assert topics == {"gift_card.issued", "gift_card.used", "gift_card.refunded"}
    assert Payment.objects.get(order=order, gateway="gift_card").gift_card_id == card.id
    assert merchant_card.card.balance == D("10.00")
