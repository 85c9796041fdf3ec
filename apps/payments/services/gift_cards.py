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

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from apps.core.money import quantize
from apps.orders import locks as order_locks
from apps.orders import services as order_services
from apps.orders.models import Order, OrderEvent
from apps.payments import gift_card_codes, gift_card_events, locks, throttling
from apps.payments.exceptions import (
    GiftCardAttemptsExceeded,
    GiftCardRefused,
    InvalidGiftCard,
    PaymentNotAllowed,
)
from apps.payments.gateways.registry import get_gateway
from apps.payments.models import (
    OPEN,
    GiftCard,
    GiftCardTransaction,
    Payment,
    new_idempotency_key,
)
from apps.payments.services import gift_card_sales

logger = logging.getLogger(__name__)

Kind = GiftCardTransaction.Kind


@dataclass(frozen=True)
class SoldUnit:
    """One unit of a gift card order line: the card it buys is issued once (unique per unit)."""

    order_line_id: int
    unit: int
    recipient_name: str = ""
    message: str = ""

    @property
    def identity(self) -> str:
        return f"{connection.schema_name}:{self.order_line_id}:{self.unit}"


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
    sold: "SoldUnit | None" = None,
) -> IssuedGiftCard:
    """Create a card with ``amount`` on it and a new code. Raises InvalidGiftCard.

    ``sold``: the order line unit that bought the card (``gift_card_sales``); its code is
    derived (``gift_card_codes.derive_code``) instead of drawn at random."""
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise InvalidGiftCard("A gift card needs a positive amount.", extra={"amount": str(amount)})
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidGiftCard("The currency is a 3-letter ISO code.", extra={"currency": currency})
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidGiftCard("The expiry date must be in the future.")
    for _ in range(1 if sold else 3):  # 80 random bits: a clash is next to impossible
        code = (
            gift_card_codes.derive_code(sold.identity) if sold else gift_card_codes.generate_code()
        )
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
                    order_line_id=sold.order_line_id if sold else None,
                    unit=sold.unit if sold else None,
                    recipient_name=sold.recipient_name if sold else "",
                    message=sold.message if sold else "",
                )
                GiftCardTransaction.objects.create(
                    card=card, kind=Kind.ISSUE, amount=amount, balance_after=amount,
                    actor_id=actor_id,
                )  # fmt: skip
        except IntegrityError:
            if sold:  # this unit's card exists (derived codes are unique per unit)
                raise
            continue
        # Never the code itself: logs are read by more people than the card's owner.
        logger.info("gift card …%s issued: %s %s", card.last4, amount, card.currency)
        gift_card_events.emit(card, "gift_card.issued", amount=amount)
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
        gift_card_events.emit(card, "gift_card.disabled")
    return card


def find_gift_card(*, code: str, identity: str) -> GiftCard:
    """The usable card behind a code a shopper typed. Throttled per ``identity`` (session key
    or client address): raises GiftCardAttemptsExceeded past the limit, GiftCardRefused for a
    code that names no usable card (the same answer for unknown and disabled codes)."""
    if not throttling.count_code_attempt(identity):
        raise GiftCardAttemptsExceeded(
            "Too many gift card codes tried. Please wait a few minutes.",
            extra={"window_seconds": throttling.CODE_ATTEMPT_LIMIT.window_seconds},
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
        entry = GiftCardTransaction.objects.create(
            card=card, kind=Kind.REDEEM, amount=-amount, balance_after=card.balance,
            order_id=order_id, reference=reference[:100], actor_id=actor_id,
        )  # fmt: skip
        gift_card_events.emit(card, "gift_card.used", amount=-amount, order_id=order_id)
        return entry


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
        entry = GiftCardTransaction.objects.create(
            card=card, kind=Kind.REFUND, amount=amount, balance_after=card.balance,
            order_id=order_id, reference=reference[:100], actor_id=actor_id,
        )  # fmt: skip
        gift_card_events.emit(card, "gift_card.refunded", amount=amount, order_id=order_id)
        return entry


def _why_refused(card: GiftCard, amount: Decimal, currency: str, now: datetime) -> str:
    if not card.is_active:
        return "This gift card is disabled."
    if card.expires_at is not None and card.expires_at <= now:
        return "This gift card has expired."
    if card.currency != currency.upper():
        return f"This gift card is in {card.currency}, the order in {currency.upper()}."
    return f"This gift card has {card.balance} {card.currency} left, not {amount}."


GIFT_CARD_GATEWAY = "gift_card"  # Payment.gateway of a gift card's share of an order


def applied_amount(order_id: int, *, exclude_payment_id: int | None = None) -> Decimal:
    """What the order's payments have paid so far (gift cards before the rest is paid)."""
    payments = Payment.objects.filter(order_id=order_id, applied_to_order=True)
    if exclude_payment_id is not None:
        payments = payments.exclude(pk=exclude_payment_id)
    return payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def pay_with_gift_card(*, payment_id: int, code: str, identity: str) -> Payment:
    """Spend a gift card on the order of the open payment ``payment_id`` (the shopper's payment
    page): the card pays what it can of what is still due, as a payment of its own.

    One transaction, under the order's lock: the card's conditional spend, its payment row and,
    when the card covers everything left, the order paid (stock committed, confirmation queued
    after commit). Otherwise the open payment is cut to the rest and forgets its provider object
    (a Stripe intent or PayPal order for the old amount): the payment page opens a new one for
    the rest. Raises GiftCardRefused / GiftCardAttemptsExceeded, PaymentNotAllowed (the order
    takes no payment now) or OrderNotPayable (its items are gone).
    """
    card = find_gift_card(code=code, identity=identity)  # throttled, before any lock
    with transaction.atomic():
        opened = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order = order_locks.lock_order(opened)
        payment = locks.lock_payment(payment_id)
        if order.status != Order.Status.PENDING or order.paid_at is not None:
            raise PaymentNotAllowed(f"Order #{order.number} takes no payment now.")
        if payment.status not in OPEN or payment.gateway == GIFT_CARD_GATEWAY:
            raise PaymentNotAllowed("This payment page can no longer take a gift card.")
        due = order.total - applied_amount(order.id)
        amount = min(card.balance, due)
        if amount <= 0:
            raise GiftCardRefused("This gift card has no balance left.")
        share = _spend_on_order(
            order=order, card=card, amount=amount, reference=f"payment {payment.token.hex}",
            return_url=payment.return_url,
        )  # fmt: skip
        if amount == due:
            gift_card_sales.pay_locked_order(
                order=order, amount=order.total, payment_reference=share.external_id or ""
            )
            return share
        if payment.external_id:
            order_services.record_order_event(
                order_id=order.id,
                type=OrderEvent.Type.NOTE,
                message=f"{payment.gateway} payment {payment.external_id} replaced: "
                f"{due - amount} {order.currency} left to pay.",
                data={"payment": payment.token.hex, "external_id": payment.external_id},
            )
        payment.amount = get_gateway(payment.gateway).chargeable_amount(
            due - amount, order.currency
        )
        payment.client_secret = payment.approval_url = ""
        payment.idempotency_key = new_idempotency_key()
        # A gateway that names payments itself (the test gateway) keeps its name for them.
        local_external_id = getattr(get_gateway(payment.gateway), "local_external_id", None)
        payment.external_id = local_external_id(payment) if local_external_id else None
        payment.save(
            update_fields=["amount", "external_id", "client_secret", "approval_url",
                           "idempotency_key", "updated_at"],
        )  # fmt: skip
        return share


def _spend_on_order(
    *, order: Order, card: GiftCard, amount: Decimal, reference: str, return_url: str = ""
) -> Payment:
    """Take ``amount`` off the card as a payment of the order (its share of a split payment).
    Call inside the transaction that holds the order's lock."""
    entry = redeem_gift_card(
        card_id=card.id, amount=amount, currency=order.currency, order_id=order.id,
        reference=reference,
    )  # fmt: skip
    share = Payment.objects.create(
        order=order,
        gateway=GIFT_CARD_GATEWAY,
        amount=amount,
        currency=order.currency,
        status=Payment.Status.SUCCEEDED,
        applied_to_order=True,
        external_id=f"giftcard:{entry.pk}",
        gift_card=card,
        return_url=return_url,
    )
    order_services.record_order_event(
        order_id=order.id,
        type=OrderEvent.Type.NOTE,
        message=f"Gift card …{card.last4} paid {amount} {order.currency}.",
        data={"gift_card": card.last4, "amount": str(amount), "payment": share.token.hex},
    )
    return share


def spend_gift_cards_on_new_order(*, order: Order, card_ids: list[int]) -> list[Payment]:
    """Spend the cards applied to a cart on the order just placed from it, in the order given,
    each paying what it can of what is left; the order is paid at once when they cover it.

    Call inside the transaction that created the order (nobody else sees it yet). Raises
    GiftCardRefused when a card can no longer pay (disabled, expired, spent meanwhile): the
    order is not placed, the shopper removes the card or tries again.
    """
    shares = []
    for card in GiftCard.objects.filter(pk__in=card_ids).order_by("id"):
        due = order.total - applied_amount(order.id)
        amount = min(card.balance, due)
        if amount <= 0:
            break
        shares.append(_spend_on_order(
            order=order, card=card, amount=amount, reference=f"order #{order.number}",
        ))  # fmt: skip
    if shares and applied_amount(order.id) == order.total:
        gift_card_sales.pay_locked_order(
            order=order, amount=order.total, payment_reference=shares[-1].external_id or ""
        )
    return shares


def return_gift_cards_of_cancelled_orders(*, limit: int = 200) -> int:
    """Put back on their cards the gift card shares of orders cancelled before the rest was
    paid (the shopper applied a card, then abandoned the payment and the hold lapsed).
    Idempotent; returns how many shares went back. Run by a periodic task per store."""
    shares = Payment.objects.filter(
        gateway=GIFT_CARD_GATEWAY,
        applied_to_order=True,
        status=Payment.Status.SUCCEEDED,
        order__status=Order.Status.CANCELLED,
        order__paid_at__isnull=True,
    ).order_by("id")[:limit]
    returned = 0
    for share in shares:
        if _return_share(payment_id=share.id):
            returned += 1
    return returned


@transaction.atomic
def _return_share(*, payment_id: int) -> bool:
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = order_locks.lock_order(order_id)
    share = locks.lock_payment(payment_id)
    if order.paid_at is not None or share.status != Payment.Status.SUCCEEDED:
        return False
    entry_id = int((share.external_id or "").removeprefix("giftcard:"))
    spent = GiftCardTransaction.objects.get(pk=entry_id)
    refund_to_gift_card(
        card_id=spent.card_id, amount=share.refundable_amount, order_id=order.id,
        reference=f"order #{order.number} cancelled",
    )  # fmt: skip
    # Booked on the payment only: the order was never paid, so it has nothing to refund.
    share.applied_to_order = False
    share.amount_refunded = share.amount
    share.status = Payment.Status.REFUNDED
    share.save(update_fields=["applied_to_order", "amount_refunded", "status", "updated_at"])
    order_services.record_order_event(
        order_id=order.id,
        type=OrderEvent.Type.NOTE,
        message=f"Order cancelled unpaid: {share.amount} {share.currency} back on the gift card.",
        data={"payment": share.token.hex},
    )
    return True
