"""Engagement emails: back in stock and abandoned cart (txt + html, unsubscribe honoured).

Each is delivered like an order email (``apps.orders.services.emails``): claimed, sent and
recorded in one transaction that holds the row's lock, with a Message-ID derived from the row.

- a second delivery of the task waits on the lock, then finds the row marked and sends nothing;
- a worker that dies before the commit (before or during the send) rolls the claim back, so the
  redelivered task sends the email: a crash never loses it;
- the one duplicate window is a death between the mail server's acceptance and the commit; the
  resend has the same Message-ID.

The send runs inside the transaction on purpose: the lock is on this email's own row only.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.cart import selectors as cart_selectors
from apps.cart.models import Cart
from apps.core.mail import stable_message_id
from apps.notifications.senders import sender_for
from apps.recommendations import services, tokens
from apps.recommendations.models import AbandonedCartReminder, BackInStockSubscription
from apps.tenants import public_urls
from apps.tenants import selectors as tenant_selectors

logger = logging.getLogger(__name__)


def _send(*, to: str, subject: str, template: str, context: dict, message_id: str) -> None:
    store = tenant_selectors.get_current_store()
    unsubscribe_url = public_urls.store_url(
        store,
        reverse(
            "recommendations:unsubscribe",
            kwargs={"token": tokens.make_unsubscribe_token(to)},
        ),
    )
    context = {**context, "store": store, "unsubscribe_url": unsubscribe_url}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=sender_for(store),
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": message_id,
        },
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


Row = TypeVar("Row", bound=models.Model)


def _send_once(rows: models.QuerySet[Row], sent_field: str, send: Callable[[Row], bool]) -> bool:
    """Lock the row, send unless it is marked, then mark it: all in one transaction.

    ``send`` returns False to skip (the row stays unmarked). SMTP errors propagate: the
    transaction rolls back, nothing is marked, and the task retries.
    """
    with transaction.atomic():
        row = rows.select_for_update(of=("self",)).filter(**{f"{sent_field}__isnull": True}).first()
        if row is None or not send(row):
            return False
        type(row)._default_manager.filter(pk=row.pk).update(**{sent_field: timezone.now()})
    return True


def send_back_in_stock_email(*, subscription_id: int) -> bool:
    """Email a notified subscription that its variant is back; False if nothing was sent."""

    def send(subscription: BackInStockSubscription) -> bool:
        if services.is_unsubscribed(subscription.email):
            return False
        product = subscription.variant.product
        store = tenant_selectors.get_current_store()
        _send(
            to=subscription.email,
            subject=f"Back in stock: {subscription.variant}",
            template="back_in_stock",
            context={
                "variant": subscription.variant,
                "product": product,
                "product_url": public_urls.store_url(store, product.get_absolute_url()),
            },
            message_id=stable_message_id(
                "back-in-stock", subscription.pk, subscription.notified_at
            ),
        )
        logger.info("back-in-stock email for variant %s sent", subscription.variant_id)
        return True

    rows = BackInStockSubscription.objects.select_related("variant__product").filter(
        pk=subscription_id, notified_at__isnull=False
    )
    return _send_once(rows, "emailed_at", send)


def send_abandoned_cart_email(*, reminder_id: int) -> bool:
    """Send a cart's one reminder if the cart is still open and the address still wants mail."""

    def send(reminder: AbandonedCartReminder) -> bool:
        if services.is_unsubscribed(reminder.email):
            return False
        cart = reminder.cart
        cart_view = cart_selectors.get_cart_view(cart)
        if cart.status != Cart.Status.OPEN or cart_view.is_empty:
            return False
        store = tenant_selectors.get_current_store()
        restore_path = reverse(
            "recommendations:restore-cart",
            kwargs={"token": tokens.make_cart_restore_token(cart.token)},
        )
        _send(
            to=reminder.email,
            subject=f"You left something in your cart at {store.name}",
            template="abandoned_cart",
            context={
                "cart_view": cart_view,
                "restore_url": public_urls.store_url(store, restore_path),
            },
            message_id=stable_message_id("abandoned-cart", reminder.pk),
        )
        logger.info("abandoned-cart reminder %s sent", reminder.pk)
        return True

    rows = AbandonedCartReminder.objects.select_related("cart").filter(pk=reminder_id)
    return _send_once(rows, "sent_at", send)
