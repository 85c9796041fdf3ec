"""Order emails: subject, text and HTML bodies rendered from ``templates/emails/``."""

from decimal import Decimal, InvalidOperation

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from apps.notifications.senders import sender_for
from apps.notifications.tracking import tracking_url
from apps.orders import selectors
from apps.orders.models import Order
from apps.tenants import public_urls
from apps.tenants.models import Store

SUBJECTS = {
    "confirmed": "Order #{number} confirmed",
    "shipped": "Order #{number} is on its way",
    "delivered": "Order #{number} was delivered",
    "refunded": "Refund for order #{number}",
    "cancelled": "Order #{number} was cancelled",
    "return_requested": "We received your return request for order #{number}",
    "return_approved": "Your return for order #{number} is approved",
    "return_rejected": "Update on your return for order #{number}",
    "gift_card": "You have received a gift card",
}
KINDS = frozenset(SUBJECTS)


def order_page_url(order: Order, store: Store) -> str:
    """The order's page on the store's primary host, as a customer would open it."""
    return public_urls.store_url(store, f"/orders/{order.token}/")


def build_order_email(
    *, order: Order, store: Store, kind: str, context: dict
) -> EmailMultiAlternatives:
    page = {
        "store": store,
        "order": order,
        "lines": list(order.lines.all()),
        "order_url": order_page_url(order, store),
    }
    if kind == "shipped":
        fulfillment = (
            order.fulfillments.filter(pk=context.get("fulfillment_id") or 0)
            .prefetch_related("lines__order_line")
            .first()
        )
        page["fulfillment"] = fulfillment
        if fulfillment is not None:
            page["tracking_url"] = tracking_url(fulfillment.carrier, fulfillment.tracking_number)
    if kind == "refunded":
        try:
            page["amount"] = Decimal(str(context.get("amount")))
        except InvalidOperation:
            page["amount"] = None
    if kind.startswith("return_"):
        page["return_request"] = (
            order.returns.filter(pk=context.get("return_id") or 0)
            .prefetch_related("lines__order_line")
            .first()
        )
    if kind == "gift_card":  # the sold card: its code and the buyer's words, for the recipient
        page["gift_card"] = context
        page["shop_url"] = public_urls.store_url(store, "/")
    page["payments"] = selectors.list_order_payments(order)
    message = EmailMultiAlternatives(
        subject=f"{store.name}: {SUBJECTS[kind].format(number=order.number)}",
        body=render_to_string(f"emails/order_{kind}.txt", page),
        from_email=sender_for(store),
        to=[context.get("to") or order.email],
    )
    message.attach_alternative(render_to_string(f"emails/order_{kind}.html", page), "text/html")
    return message
