import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from apps.cart.models import Cart, CartLine
from apps.inventory import services as inventory_services
from apps.orders.models import Order
from apps.preferences.models import StoreSettings
from apps.recommendations import emails, services
from apps.recommendations.models import (
    AbandonedCartReminder,
    BackInStockSubscription,
    EmailUnsubscribe,
)
from apps.storefront.carts import CART_COOKIE
from tests.factories.inventory import WarehouseFactory
from tests.recommendations.baskets import stocked_product


def _path(url: str) -> str:
    return urlsplit(url).path


def _link(body: str, fragment: str) -> str:
    return next(u for u in re.findall(r"https?://\S+", body) if fragment in u)


# --- back in stock -------------------------------------------------------------------------


@pytest.fixture
def sold_out():
    product = stocked_product(name="Rare Lamp", stock=0)
    return product.variants.get()


def _restock(variant, quantity: int = 3) -> None:
    inventory_services.receive_stock(
        variant_id=variant.id, warehouse_id=WarehouseFactory().id, quantity=quantity
    )


@pytest.mark.django_db
def test_back_in_stock_emails_each_subscriber_once(
    store_client, sold_out, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    response = store_client.post(
        "/recommendations/back-in-stock/",
        {"variant_id": sold_out.id, "email": "Fan@Example.test", "next": "/products/x/"},
    )
    store_client.post(
        "/recommendations/back-in-stock/", {"variant_id": sold_out.id, "email": "fan@example.test"}
    )
    assert response.status_code == 302 and response["Location"] == "/products/x/"
    assert services.check_back_in_stock() == 0  # still out of stock: nothing is claimed
    _restock(sold_out)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.check_back_in_stock()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.notify_back_in_stock([sold_out.id])

    assert (first, second) == (1, 0)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["fan@example.test"]
    assert "Rare Lamp" in message.subject and "/products/" in message.body
    assert message.alternatives and "unsubscribe" in message.extra_headers["List-Unsubscribe"]
    assert not emails.send_back_in_stock_email(
        subscription_id=BackInStockSubscription.objects.get().id
    )


@pytest.mark.django_db
def test_back_in_stock_is_refused_for_items_in_stock(store_client):
    variant = stocked_product(stock=2).variants.get()

    response = store_client.post(
        "/recommendations/back-in-stock/",
        {"variant_id": variant.id, "email": "fan@example.test"},
        follow=True,
    )

    assert "in stock now" in response.content.decode()
    assert not BackInStockSubscription.objects.exists()


@pytest.mark.django_db
def test_back_in_stock_honours_unsubscribe(
    sold_out, mailoutbox, django_capture_on_commit_callbacks
):
    services.subscribe_back_in_stock(variant_id=sold_out.id, email="gone@example.test")
    services.unsubscribe_email(email="GONE@example.test")
    _restock(sold_out)

    with django_capture_on_commit_callbacks(execute=True):
        claimed = services.check_back_in_stock()

    assert claimed == 1 and mailoutbox == []
    assert BackInStockSubscription.objects.get().emailed_at is None


# --- abandoned carts -----------------------------------------------------------------------


def _abandoned_cart(*, email: str = "shopper@example.test", hours_ago: float = 5) -> Cart:
    cart = Cart.objects.create(email=email)
    CartLine.objects.create(
        cart=cart, variant=stocked_product(name="Velvet Chair").variants.get(), quantity=2
    )
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(hours=hours_ago))
    return cart


@pytest.mark.django_db
def test_abandoned_cart_gets_one_reminder_whose_link_restores_it(
    store_client, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    cart = _abandoned_cart()

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.queue_abandoned_cart_reminders()
    with django_capture_on_commit_callbacks(execute=True):
        queued_again = services.queue_abandoned_cart_reminders()
    resent = emails.send_abandoned_cart_email(reminder_id=AbandonedCartReminder.objects.get().id)

    assert (queued, queued_again, resent) == (1, 0, False)
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Velvet Chair" in body and mailoutbox[0].to == ["shopper@example.test"]
    response = store_client.get(_path(_link(body, "/recommendations/cart/")))
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert response.cookies[CART_COOKIE].value == str(cart.token)
    assert "Velvet Chair" in store_client.get("/cart/").content.decode()
    assert AbandonedCartReminder.objects.get().restored_at is not None


@pytest.mark.django_db
def test_reminder_waits_for_the_store_delay(django_capture_on_commit_callbacks):
    _abandoned_cart(hours_ago=3)  # the default delay is 4 hours

    assert services.queue_abandoned_cart_reminders() == 0
    StoreSettings.objects.update_or_create(pk=1, defaults={"abandoned_cart_hours": 2})
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.queue_abandoned_cart_reminders() == 1
    assert len(callbacks) == 1  # the send task, queued after commit


@pytest.mark.django_db
def test_no_reminder_after_an_order_without_email_or_after_unsubscribing():
    _abandoned_cart(email="bought@example.test")
    Order.objects.create(
        email="Bought@example.test", currency="USD", subtotal=1, total=1
    )  # placed since, through another cart
    _abandoned_cart(email="")
    _abandoned_cart(email="nomail@example.test")
    EmailUnsubscribe.objects.create(email="nomail@example.test")
    ordered = _abandoned_cart(email="ordered@example.test")
    Cart.objects.filter(pk=ordered.pk).update(status=Cart.Status.ORDERED)

    assert services.queue_abandoned_cart_reminders() == 0


@pytest.mark.django_db
def test_unsubscribe_link_asks_first_then_records_and_stops_reminders(
    store_client, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    _abandoned_cart(email="later@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_abandoned_cart_reminders()
    link = _path(_link(mailoutbox[0].body, "/recommendations/unsubscribe/"))

    asked = store_client.get(link)
    assert asked.status_code == 200 and not EmailUnsubscribe.objects.exists()
    one_click = Client(HTTP_HOST=store_client.defaults["HTTP_HOST"], enforce_csrf_checks=True)
    done = one_click.post(link, {"List-Unsubscribe": "One-Click"})

    assert done.status_code == 200
    assert list(EmailUnsubscribe.objects.values_list("email", flat=True)) == ["later@example.test"]
    _abandoned_cart(email="later@example.test")
    assert services.queue_abandoned_cart_reminders() == 0


@pytest.mark.django_db
def test_links_of_one_store_mean_nothing_in_another(
    other_store_client, store_client, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    _abandoned_cart(email="x@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_abandoned_cart_reminders()
    body = mailoutbox[0].body

    restore = other_store_client.get(_path(_link(body, "/recommendations/cart/")))
    unsubscribe = other_store_client.post(_path(_link(body, "/recommendations/unsubscribe/")))
    forged = store_client.get("/recommendations/cart/not-a-token/")

    assert (restore.status_code, unsubscribe.status_code, forged.status_code) == (404, 404, 404)
    assert CART_COOKIE not in restore.cookies


@pytest.mark.django_db
def test_a_send_that_fails_leaves_the_reminder_unmarked_and_the_retry_sends_it_once(
    mailoutbox, monkeypatch
):
    """Claimed, sent and marked in one transaction: a failure in the send (or a worker dying
    during it) rolls the mark back, so the retry delivers, with the same Message-ID."""
    from django.core.mail import EmailMultiAlternatives

    cart = _abandoned_cart()
    reminder = AbandonedCartReminder.objects.create(cart=cart, email=cart.email)
    real_send = EmailMultiAlternatives.send
    seen_ids = []

    def send_then_fail(message, *args, **kwargs):
        seen_ids.append(message.extra_headers["Message-ID"])
        raise OSError("connection reset by the mail server")

    monkeypatch.setattr(EmailMultiAlternatives, "send", send_then_fail)
    with pytest.raises(OSError):
        emails.send_abandoned_cart_email(reminder_id=reminder.id)
    reminder.refresh_from_db()
    assert reminder.sent_at is None

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    sent = emails.send_abandoned_cart_email(reminder_id=reminder.id)
    again = emails.send_abandoned_cart_email(reminder_id=reminder.id)

    reminder.refresh_from_db()
    assert (sent, again) == (True, False) and reminder.sent_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == seen_ids[0]
