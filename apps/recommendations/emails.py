"""Engagement emails: back in stock and abandoned cart (txt + html, unsubscribe honoured).

Each email is sent at most once: the row is claimed with a conditional UPDATE before the send
and released again only if the mail server refuses it (so the task's retry can try again).
"""

import logging

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.cart import selectors as cart_selectors
from apps.cart.models import Cart
from apps.notifications.senders import sender_for
from apps.recommendations import services, tokens
from apps.recommendations.models import AbandonedCartReminder, BackInStockSubscription
from apps.tenants import public_urls
from apps.tenants import selectors as tenant_selectors

logger = logging.getLogger(__name__)


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
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
        },
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


def send_back_in_stock_email(*, subscription_id: int) -> bool:
    """Email a claimed subscription that its variant is back; False if nothing was sent."""
    subscription = (
        BackInStockSubscription.objects.select_related("variant__product")
        .filter(pk=subscription_id, notified_at__isnull=False, emailed_at__isnull=True)
        .first()
    )
    if subscription is None or services.is_unsubscribed(subscription.email):
        return False
    rows = BackInStockSubscription.objects.filter(pk=subscription.pk, emailed_at__isnull=True)
    if not rows.update(emailed_at=timezone.now()):
        return False  # a concurrent delivery of the same task sent it
    product = subscription.variant.product
    store = tenant_selectors.get_current_store()
    try:
        _send(
            to=subscription.email,
            subject=f"Back in stock: {subscription.variant}",
            template="back_in_stock",
            context={
                "variant": subscription.variant,
                "product": product,
                "product_url": public_urls.store_url(store, product.get_absolute_url()),
            },
        )
    except OSError:
        BackInStockSubscription.objects.filter(pk=subscription.pk).update(emailed_at=None)
        raise
    logger.info("back-in-stock email for variant %s sent", subscription.variant_id)
    return True


def send_abandoned_cart_email(*, reminder_id: int) -> bool:
    """Send a cart's one reminder if the cart is still open and the address still wants mail."""
    reminder = (
        AbandonedCartReminder.objects.select_related("cart")
        .filter(pk=reminder_id, sent_at__isnull=True)
        .first()
    )
    if reminder is None or services.is_unsubscribed(reminder.email):
        return False
    cart = reminder.cart
    cart_view = cart_selectors.get_cart_view(cart)
    if cart.status != Cart.Status.OPEN or cart_view.is_empty:
        return False
    if not AbandonedCartReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    ):
        return False
    store = tenant_selectors.get_current_store()
    restore_path = reverse(
        "recommendations:restore-cart",
        kwargs={"token": tokens.make_cart_restore_token(cart.token)},
    )
    try:
        _send(
            to=reminder.email,
            subject=f"You left something in your cart at {store.name}",
            template="abandoned_cart",
            context={
                "cart_view": cart_view,
                "restore_url": public_urls.store_url(store, restore_path),
            },
        )
    except OSError:
        AbandonedCartReminder.objects.filter(pk=reminder.pk).update(sent_at=None)
        raise
    logger.info("abandoned-cart reminder %s sent", reminder.pk)
    return True
