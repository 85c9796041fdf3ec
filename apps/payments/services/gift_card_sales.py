"""Gift cards sold as products: paying the order issues one card per unit, in the transaction
that records the payment, and emails each card's code to its recipient after commit.

Every payment path pays the order through ``pay_locked_order`` (the one place an order
becomes paid from the payments app), so a card is issued exactly when the order is paid. The
code is derived (``gift_card_codes.derive_code``), never stored: the email task derives it
again. The email goes through the order email delivery (``send_order_email``: a claim row
unique per message, the same Message-ID on every attempt), so it is sent once.
"""

import logging
from decimal import Decimal

from apps.core import outbox
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.payments import gift_card_codes
from apps.payments.models import GiftCard
from apps.payments.services import gift_cards

logger = logging.getLogger(__name__)

# The task's registered name (``apps.payments.tasks``); the outbox checks it exists.
SEND_TASK = "apps.payments.tasks.send_gift_card_email_task"


def pay_locked_order(*, order: Order, amount: Decimal, payment_reference: str = "") -> Order:
    """``order_services.mark_locked_order_paid``, then issue the gift cards the order sold.

    Same transaction and preconditions (the caller holds the order's lock); raises
    OrderNotPayable before writing anything. Idempotent: a paid order issues nothing again.
    """
    was_paid = order.paid_at is not None
    order = order_services.mark_locked_order_paid(
        order=order, amount=amount, payment_reference=payment_reference
    )
    if not was_paid and order.paid_at is not None and order.has_gift_cards:
        issue_sold_gift_cards(order=order)
    return order


def issue_sold_gift_cards(*, order: Order) -> list[GiftCard]:
    """Issue a card per unit of the order's gift card lines that has none yet, each worth the
    unit's price, and queue its email (outbox: sent after commit). Call inside the transaction
    that paid the order."""
    issued = []
    for line in order.lines.filter(is_gift_card=True).order_by("id"):
        details = line.gift_card or {}
        done = set(GiftCard.objects.filter(order_line=line).values_list("unit", flat=True))
        for unit in range(1, line.quantity + 1):
            if unit in done:
                continue
            card = gift_cards.issue_gift_card(
                amount=line.unit_price,
                currency=order.currency,
                recipient_email=details.get("recipient_email") or order.email,
                customer_email=order.email,
                note=f"Bought with order #{order.number}",
                sold=gift_cards.SoldUnit(
                    order_line_id=line.id,
                    unit=unit,
                    recipient_name=details.get("recipient_name", ""),
                    message=details.get("message", ""),
                ),
            ).card
            outbox.enqueue(SEND_TASK, order.id, card.id)
            issued.append(card)
    if issued:
        logger.info("order #%s: %s gift card(s) issued", order.number, len(issued))
    return issued


def send_gift_card_email(*, order_id: int, card_id: int) -> bool:
    """Email a sold card's code to its recipient, once (the order email delivery's claim).
    Returns False if skipped (already sent, or the card is not a sold one)."""
    card = GiftCard.objects.filter(pk=card_id, order_line__order_id=order_id).first()
    if card is None or card.unit is None:
        logger.warning("gift card email: card %s was not sold with order %s", card_id, order_id)
        return False
    code = gift_card_codes.derive_code(
        gift_cards.SoldUnit(order_line_id=card.order_line_id or 0, unit=card.unit).identity
    )
    return order_services.send_order_email(
        order_id=order_id,
        kind="gift_card",
        # Recorded in the order's history: never the code.
        context={"card_id": card.pk, "last4": card.last4, "to": card.recipient_email},
        email_id=f"gift-card-{card.pk}",
        private_context={
            "code": code,
            "amount": card.initial_balance,
            "currency": card.currency,
            "expires_at": card.expires_at,
            "recipient_name": card.recipient_name,
            "message": card.message,
        },
    )
