"""Gift cards: issue (the code is shown once), disable, spend and refund to the card.

Every balance change is one conditional UPDATE plus its ledger row in the same transaction.
Spending asks the database for ``balance >= amount`` in the UPDATE itself, so concurrent
spends of one card serialize on its row and never take more than its balance (PostgreSQL
re-checks the condition on the updated row after waiting for the other transaction); the
CHECK constraint ``balance >= 0`` is the last line of defence.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.money import quantize
from apps.payments import gift_card_codes, throttling
from apps.payments.exceptions import GiftCardAttemptsExceeded, GiftCardRefused, InvalidGiftCard
from apps.payments.models import GiftCard, GiftCardTransaction

logger = logging.getLogger(__name__)

Kind = GiftCardTransaction.Kind


@dataclass(frozen=True)
class IssuedGiftCard:
    card: GiftCard
    code: str  # the only time the code exists outside the shopper's hands: show it once


def issue_gift_card(
    *,
    amount: Decimal,
    currency: str,
    expires_at: datetime | None = None,
    recipient_email: str = "",
    customer_email: str = "",
    note: str = "",
    actor_id: int | None = None,
) -> IssuedGiftCard:
    """Create a card with ``amount`` on it and a new code. Raises InvalidGiftCard."""
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise InvalidGiftCard("A gift card needs a positive amount.", extra={"amount": str(amount)})
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidGiftCard("The currency is a 3-letter ISO code.", extra={"currency": currency})
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidGiftCard("The expiry date must be in the future.")
    for _ in range(3):  # 80 random bits: a clash is next to impossible, but never fatal
        code = gift_card_codes.generate_code()
        try:
            with transaction.atomic():
                card = GiftCard.objects.create(
                    code_key=gift_card_codes.lookup_key(code),
                    last4=gift_card_codes.last4(code),
                    currency=currency.upper(),
                    initial_balance=amount,
                    balance=amount,
                    expires_at=expires_at,
                    recipient_email=recipient_email,
                    customer_email=customer_email,
                    note=note[:255],
                    created_by_id=actor_id,
                )
                GiftCardTransaction.objects.create(
                    card=card, kind=Kind.ISSUE, amount=amount, balance_after=amount,
                    actor_id=actor_id,
                )  # fmt: skip
        except IntegrityError:
            continue
        # Never the code itself: logs are read by more people than the card's owner.
        logger.info("gift card …%s issued: %s %s", card.last4, amount, card.currency)
        return IssuedGiftCard(card=card, code=code)
    raise RuntimeError("Could not draw an unused gift card code.")


@transaction.atomic
def disable_gift_card(*, card_id: int, actor_id: int | None = None) -> GiftCard:
    """The card can no longer be spent (its balance stays, for the record)."""
    card = GiftCard.objects.select_for_update(of=("self",)).get(pk=card_id)
    if card.is_active:
        card.is_active = False
        card.disabled_at = timezone.now()
        card.save(update_fields=["is_active", "disabled_at", "updated_at"])
        logger.info("gift card …%s disabled by user %s", card.last4, actor_id)
    return card


def find_gift_card(*, code: str, identity: str) -> GiftCard:
    """The usable card behind a code a shopper typed. Throttled per ``identity`` (session key
    or client address): raises GiftCardAttemptsExceeded past the limit, GiftCardRefused for a
    code that names no usable card (the same answer for unknown and disabled codes)."""
    if not throttling.count_code_attempt(identity):
        raise GiftCardAttemptsExceeded(
            "Too many gift card codes tried. Please wait a few minutes.",
            extra={"window_seconds": throttling.WINDOW_SECONDS},
        )
    key = gift_card_codes.lookup_key(code) if gift_card_codes.normalize(code) else ""
    card = GiftCard.objects.filter(code_key=key).first() if key else None
    if card is None or not card.is_active:
        raise GiftCardRefused("This gift card code is not valid.")
    if card.expires_at is not None and card.expires_at <= timezone.now():
        raise GiftCardRefused("This gift card has expired.")
    if card.balance <= 0:
        raise GiftCardRefused("This gift card has no balance left.")
    return card


def redeem_gift_card(
    *,
    card_id: int,
    amount: Decimal,
    currency: str,
    order_id: int | None = None,
    reference: str = "",
    actor_id: int | None = None,
) -> GiftCardTransaction:
    """Take ``amount`` off the card. Call inside the transaction that records what it pays
    (the order's payment row): both commit or neither does. Raises GiftCardRefused when the
    card is disabled, expired, in another currency or has less than ``amount`` left."""
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise InvalidGiftCard("A gift card payment needs a positive amount.")
    now = timezone.now()
    with transaction.atomic():
        # The condition is the guard: no read-then-write window for a concurrent spend.
        spent = (
            GiftCard.objects.filter(
                pk=card_id, is_active=True, currency=currency.upper(), balance__gte=amount
            )
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .update(balance=F("balance") - amount, updated_at=now)
        )
        card = GiftCard.objects.get(pk=card_id)  # our own row: locked by the UPDATE if spent
        if not spent:
            raise GiftCardRefused(_why_refused(card, amount, currency, now), extra={
                "balance": str(card.balance), "currency": card.currency,
            })  # fmt: skip
        return GiftCardTransaction.objects.create(
            card=card, kind=Kind.REDEEM, amount=-amount, balance_after=card.balance,
            order_id=order_id, reference=reference[:100], actor_id=actor_id,
        )  # fmt: skip


def refund_to_gift_card(
    *,
    card_id: int,
    amount: Decimal,
    order_id: int | None = None,
    reference: str = "",
    actor_id: int | None = None,
) -> GiftCardTransaction:
    """Put ``amount`` back on the card (a refund of what it paid). Works on a disabled or
    expired card too: the money is the customer's; the merchant may enable the card again."""
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise InvalidGiftCard("A gift card refund needs a positive amount.")
    with transaction.atomic():
        GiftCard.objects.filter(pk=card_id).update(
            balance=F("balance") + amount, updated_at=timezone.now()
        )
        card = GiftCard.objects.get(pk=card_id)
        return GiftCardTransaction.objects.create(
            card=card, kind=Kind.REFUND, amount=amount, balance_after=card.balance,
            order_id=order_id, reference=reference[:100], actor_id=actor_id,
        )  # fmt: skip


def _why_refused(card: GiftCard, amount: Decimal, currency: str, now: datetime) -> str:
    if not card.is_active:
        return "This gift card is disabled."
    if card.expires_at is not None and card.expires_at <= now:
        return "This gift card has expired."
    if card.currency != currency.upper():
        return f"This gift card is in {card.currency}, the order in {currency.upper()}."
    return f"This gift card has {card.balance} {card.currency} left, not {amount}."
