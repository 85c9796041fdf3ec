"""Refunds: through the payment's gateway, booked once on the payment and the order."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.money import quantize
from apps.observability import metrics
from apps.orders import locks as order_locks
from apps.orders import services as order_services
from apps.orders.exceptions import InvalidRefund
from apps.orders.models import Order, OrderEvent
from apps.payments import locks
from apps.payments.exceptions import InvalidAmount, PaymentProviderError, RefundRejected
from apps.payments.gateways.registry import get_gateway
from apps.payments.models import CAPTURED, GiftCardTransaction, Payment, Refund
from apps.payments.services.gift_cards import GIFT_CARD_GATEWAY, refund_to_gift_card

logger = logging.getLogger(__name__)

S = Payment.Status
ZERO = Decimal("0")


def refund_order(
    *, order_id: int, amount: Decimal, actor_id: int | None = None, reason: str = ""
) -> Refund:
    """Refund part or all of a paid order through its gateway, then book it on the order.

    An order paid partly by gift card (split tender) is refunded to the other method first,
    then to its gift cards: money goes back where the shopper paid it before store credit
    does, and the card part — local, with no provider to refuse it — comes last, so a provider
    refusal leaves nothing half-refunded. Returns the first refund made.

    Raises InvalidRefund (nothing to refund, amount out of range), RefundRejected or
    PaymentProviderError (the provider said no or could not be reached: nothing is booked).
    """
    # Exact to the minor unit of the order's (and its payments') currency: 1.235 KWD, 500 JPY.
    currency = Order.objects.values_list("currency", flat=True).get(pk=order_id)
    remaining = quantize(amount, currency)
    first: Refund | None = None
    while True:
        refund = _refund_one_payment(
            order_id=order_id, amount=remaining, actor_id=actor_id, reason=reason
        )
        first = first or refund
        remaining -= refund.amount
        if remaining <= 0:
            return first


def _refund_one_payment(
    *, order_id: int, amount: Decimal, actor_id: int | None, reason: str
) -> Refund:
    refund = _open_refund(order_id=order_id, amount=amount, actor_id=actor_id, reason=reason)
    payment = refund.payment
    if payment.gateway == GIFT_CARD_GATEWAY:
        return _refund_to_gift_card(refund)
    try:
        result = get_gateway(payment.gateway).refund(
            payment, amount=refund.amount, idempotency_key=refund.idempotency_key
        )  # network, no transaction
    except (RefundRejected, PaymentProviderError, InvalidAmount) as exc:
        _mark_refund_failed(refund_id=refund.id, message=exc.message)
        raise
    if not result.settled:
        message = f"The payment provider reports the refund as {result.status or 'unknown'}."
        _mark_refund_failed(refund_id=refund.id, message=message)
        raise RefundRejected(message)
    return book_refund(refund_id=refund.id, external_id=result.external_id)


@transaction.atomic
def _open_refund(*, order_id: int, amount: Decimal, actor_id: int | None, reason: str) -> Refund:
    order = order_locks.lock_order(order_id)
    amount = order_services.check_refund(order, amount)
    # Refunds already on their way to the provider hold their amount (the order lock
    # serializes this check), so two concurrent refunds can never exceed the total.
    pending = list(
        Refund.objects.filter(order=order, applies_to_order=True, status=Refund.Status.PENDING)
    )
    # Split tender: the other method first, gift cards last (see refund_order).
    payments = sorted(
        order.payments.filter(applied_to_order=True, status__in=CAPTURED),
        key=lambda p: (p.gateway == GIFT_CARD_GATEWAY, p.id),
    )
    if not payments:
        raise InvalidRefund(f"Order #{order.number} has no captured payment to refund.")
    left = {
        p.id: p.refundable_amount - sum((r.amount for r in pending if r.payment_id == p.id), ZERO)
        for p in payments
    }
    available = min(order.refundable_amount - sum((r.amount for r in pending), ZERO),
                    sum(left.values(), ZERO))  # fmt: skip
    if amount > available:
        raise InvalidRefund(
            f"At most {max(available, ZERO)} {order.currency} can be refunded now.",
            extra={"refundable": str(max(available, ZERO)), "amount": str(amount)},
        )
    payment = next(p for p in payments if left[p.id] > 0)
    amount = min(amount, left[payment.id])  # the rest goes to the next payment
    amount = _provider_refund_amount(payment, amount, whole_rest=amount == available, left=left)
    return Refund.objects.create(
        payment=payment,
        order=order,
        amount=amount,
        currency=payment.currency,
        actor_id=actor_id,
        reason=reason.strip()[:255],
    )


def _provider_refund_amount(
    payment: Payment, amount: Decimal, *, whole_rest: bool, left: dict[int, Decimal]
) -> Decimal:
    """``amount`` as the payment's provider can refund it. Stripe refunds KWD, BHD, JOD, OMR
    and TND only in tens of fils: refunding the order's whole rest gives back the payment's
    whole rest (22.420 paid for 22.417 due; the order books 22.417, ``book_refund``); any
    other amount off that step is refused."""
    if payment.gateway == GIFT_CARD_GATEWAY:
        return amount
    sent = get_gateway(payment.gateway).chargeable_amount(amount, payment.currency)
    if sent == amount:
        return amount
    if whole_rest and sent == left[payment.id]:
        return sent
    raise InvalidRefund(
        f"The payment provider cannot refund {amount} {payment.currency} (its step for "
        f"{payment.currency}): refund {sent} instead.",
        extra={"amount": str(amount), "nearest": str(sent)},
    )


def refund_unapplied_payment(*, payment_id: int) -> Refund | None:
    """Refund in full a captured payment that could not pay its order (cancelled, duplicate,
    wrong amount). Safe to call again: the refund's idempotency key is fixed per payment.

    A provider failure is logged and noted on the order (the merchant retries from the admin);
    it is not raised, because the caller (a webhook, the shopper's page) cannot fix it.
    """
    key = f"auto-{Payment.objects.values_list('idempotency_key', flat=True).get(pk=payment_id)}"
    with transaction.atomic():
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order_locks.lock_order(order_id)
        existing = Refund.objects.filter(idempotency_key=key).first()
        if existing is not None:
            existing = locks.lock_refund(existing.pk)
        payment = locks.lock_payment(payment_id)
        if existing is not None and existing.status == Refund.Status.SUCCEEDED:
            return existing
        if payment.applied_to_order or payment.status not in CAPTURED:
            return existing
        if existing is None:
            if payment.refundable_amount <= 0:
                return None
            existing = Refund.objects.create(
                payment=payment,
                order_id=order_id,
                amount=payment.refundable_amount,
                currency=payment.currency,
                applies_to_order=False,
                idempotency_key=key,
                reason="Automatic: the payment could not pay the order",
            )
        elif existing.status == Refund.Status.FAILED:
            existing.status = Refund.Status.PENDING
            existing.save(update_fields=["status", "updated_at"])
        refund = existing
    try:
        result = get_gateway(payment.gateway).refund(
            payment, amount=refund.amount, idempotency_key=refund.idempotency_key
        )  # network, no transaction
        if not result.settled:
            raise RefundRejected(f"The provider reports the refund as {result.status}.")
    except (RefundRejected, PaymentProviderError) as exc:
        _mark_refund_failed(refund_id=refund.id, message=exc.message)
        order_services.record_order_event(
            order_id=order_id,
            type=OrderEvent.Type.NOTE,
            message=f"Automatic refund failed, retry it from the payment: {exc.message}"[:255],
            data={"payment": payment.token.hex, "refund": refund.id},
        )
        logger.error("payment %s: automatic refund failed: %s", payment.pk, exc.message)
        return refund
    refund = book_refund(refund_id=refund.id, external_id=result.external_id)
    order_services.record_order_event(
        order_id=order_id,
        type=OrderEvent.Type.NOTE,
        message=f"Payment of {refund.amount} {refund.currency} refunded automatically.",
        data={"payment": payment.token.hex, "refund": refund.external_id or ""},
    )
    return refund


@transaction.atomic
def book_refund(*, refund_id: int, external_id: str) -> Refund:
    """Record that the provider refunded: once, whoever gets here first (API return or webhook)."""
    order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)
    order = order_locks.lock_order(order_id)
    refund = locks.lock_refund(refund_id)
    payment = locks.lock_payment(refund.payment_id)
    if refund.status == Refund.Status.SUCCEEDED:
        return refund
    if payment.amount_refunded + refund.amount > payment.amount:
        raise InvalidRefund(
            f"{refund.amount} is more than the {payment.amount - payment.amount_refunded} "
            f"{payment.currency} left to refund on this payment."
        )
    if external_id and not refund.external_id:
        refund.external_id = external_id
    refund.status = Refund.Status.SUCCEEDED
    refund.failure_message = ""
    refund.save(update_fields=["external_id", "status", "failure_message", "updated_at"])
    payment.amount_refunded += refund.amount
    payment.status = (
        S.REFUNDED if payment.amount_refunded >= payment.amount else S.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["amount_refunded", "status", "updated_at"])
    if refund.applies_to_order:
        order_services.record_refund(
            order_id=order_id,
            # The order's share: less than the refund when the provider's step rounded the
            # payment up (see _provider_refund_amount).
            amount=min(refund.amount, order.refundable_amount),
            actor_id=refund.actor_id,
            reference=refund.external_id or "",
            reason=refund.reason,
        )
    metrics.count_on_commit(metrics.refunds, gateway=payment.gateway)
    return refund


@transaction.atomic
def _refund_to_gift_card(refund: Refund) -> Refund:
    """A gift card's share goes back on the card: its ledger row and the booking together."""
    payment = refund.payment
    entry_id = int((payment.external_id or "").removeprefix("giftcard:"))
    card_id = GiftCardTransaction.objects.values_list("card_id", flat=True).get(pk=entry_id)
    entry = refund_to_gift_card(
        card_id=card_id, amount=refund.amount, order_id=refund.order_id,
        reference=f"refund {refund.idempotency_key}", actor_id=refund.actor_id,
    )  # fmt: skip
    return book_refund(refund_id=refund.id, external_id=f"giftcard:{entry.pk}")


def _mark_refund_failed(*, refund_id: int, message: str) -> None:
    # Conditional: a webhook may already have booked this refund as done.
    Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
        status=Refund.Status.FAILED, failure_message=message[:255], updated_at=timezone.now()
    )
