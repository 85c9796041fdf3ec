"""Outgoing webhook events about gift cards (``gift_card.issued``, ``.used``, ``.refunded``,
``.disabled``), written with the change that causes them (the webhooks app's outbox)."""

from decimal import Decimal

from apps.payments.models import GiftCard
from apps.webhooks import services as webhook_services


def gift_card_payload(card: GiftCard, *, amount: Decimal | None = None,
                      order_id: int | None = None) -> dict:  # fmt: skip
    """The API's gift card fields (never the code), with the change's amount and order."""
    payload = {
        "id": card.pk,
        "last4": card.last4,
        "currency": card.currency,
        "initial_balance": str(card.initial_balance),
        "balance": str(card.balance),
        "is_active": card.is_active,
        "expires_at": card.expires_at.isoformat() if card.expires_at else None,
    }
    if amount is not None:
        payload["amount"] = str(amount)
    if order_id is not None:
        payload["order_id"] = order_id
    return payload


def emit(card: GiftCard, topic: str, *, amount: Decimal | None = None,
         order_id: int | None = None) -> None:  # fmt: skip
    """Call inside the transaction that changed the card; delivery starts after commit."""
    webhook_services.emit_event(
        topic=topic, payload=lambda: gift_card_payload(card, amount=amount, order_id=order_id)
    )
