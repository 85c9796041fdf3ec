"""Provider events (webhooks): verified, applied once per event id, safe out of order."""

import logging
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.money import quantize
from apps.orders import services as order_services
from apps.orders.exceptions import InvalidRefund
from apps.orders.models import OrderEvent
from apps.payments.gateways.base import EventKind, GatewayEvent, GatewayRefund
from apps.payments.gateways.registry import get_gateway
from apps.payments.models import OPEN, Payment, Refund, WebhookEvent
from apps.payments.services.payments import record_failure, record_success
from apps.payments.services.refunds import book_refund, refund_unapplied_payment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    """What applying one event did: the outcome recorded and answered, and what follows.

    ``refund_payment_id``: a payment to refund after commit (money we could not apply).
    ``attention_order_id``: the event was signed and valid but could not be applied; it is
    flagged for the merchant on this order (never a 5xx: the provider would retry for days).
    """

    outcome: str
    refund_payment_id: int | None = None
    attention_order_id: int | None = None


def process_webhook(*, gateway_name: str, payload: bytes, signature_header: str) -> str:
    """Verify and apply one provider event, once; return what happened (for the log/response).

    Raises InvalidWebhook for a bad signature or body. A replayed event id changes nothing; an
    event for a payment this store does not know is ignored.
    """
    gateway = get_gateway(gateway_name)
    event = gateway.parse_webhook(payload, signature_header)  # may call the provider
    if event.kind == EventKind.PAYMENT_APPROVED:
        event = _complete_approved(gateway_name, event)  # network, no transaction
    with transaction.atomic():
        try:
            # Concurrent deliveries of one event wait here on the unique index; all but the
            # first then fail and return, so an event is applied exactly once.
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    gateway=gateway_name, event_id=event.id, type=event.type[:100]
                )
        except IntegrityError:
            logger.info("%s event %s already processed", gateway_name, event.id)
            return "duplicate"
        applied = _apply_event(gateway_name, event)
        record.outcome = applied.outcome[:255]
        record.processed_at = timezone.now()
        record.needs_attention = applied.attention_order_id is not None
        record.order_id = applied.attention_order_id
        record.save(update_fields=["outcome", "processed_at", "needs_attention", "order"])
    if applied.refund_payment_id is not None:
        refund_unapplied_payment(payment_id=applied.refund_payment_id)  # network, after commit
    return applied.outcome


def _complete_approved(gateway_name: str, event: GatewayEvent) -> GatewayEvent:
    """The shopper approved at the provider (PayPal's CHECKOUT.ORDER.APPROVED): take the money
    now, as the return URL would, in case the shopper never comes back to the store.

    The answer is applied under this event's id, so a replay changes nothing. A provider
    failure raises (the webhook is answered 502 and redelivered): nothing is recorded.
    """
    if event.store and event.store != connection.schema_name:
        return replace(event, kind=EventKind.IGNORED, note="another store's payment")
    payment = _find_payment(gateway_name, event)
    if payment is None:
        return replace(event, kind=EventKind.IGNORED, note="unknown payment")
    if payment.status not in OPEN:
        return replace(event, kind=EventKind.IGNORED, note="payment already settled")
    outcome = get_gateway(gateway_name).retrieve_payment(payment)
    return replace(outcome, id=event.id, type=event.type)


def _apply_event(gateway_name: str, event: GatewayEvent) -> Applied:
    if event.kind == EventKind.IGNORED:
        return Applied(f"ignored: {event.note or 'event type not handled'}")
    if event.store and event.store != connection.schema_name:
        logger.warning("%s event %s belongs to store %s", gateway_name, event.id, event.store)
        return Applied("ignored: another store's payment")
    payment = _find_payment(gateway_name, event)
    if payment is None:
        logger.warning(
            "%s event %s (%s): unknown payment %s",
            gateway_name, event.id, event.type, event.payment_external_id or event.payment_token,
        )  # fmt: skip
        return Applied("ignored: unknown payment")
    if event.kind == EventKind.PAYMENT_SUCCEEDED:
        needs_refund = record_success(
            payment_id=payment.id,
            amount=event.amount,
            currency=event.currency,
            external_id=event.payment_external_id,
        )
        if needs_refund:
            return Applied("not applied: refunding", refund_payment_id=payment.id)
        return Applied("succeeded")
    if event.kind == EventKind.PAYMENT_FAILED:
        recorded = record_failure(
            payment_id=payment.id, message=event.failure_message, restart=event.restart
        )
        return Applied("failed" if recorded else "ignored: payment already settled")
    if event.kind == EventKind.REFUNDS:
        booked, refused = _book_provider_refunds(payment, event.refunds)
        if refused:
            return Applied(
                f"not applied: {'; '.join(refused)}", attention_order_id=payment.order_id
            )
        return Applied(f"refunds booked: {booked}")
    if event.kind == EventKind.PAYMENT_APPROVED:  # not completed by _complete_approved
        return Applied("ignored: approval not completed")
    return Applied("ignored: payment processing")


def _find_payment(gateway_name: str, event: GatewayEvent) -> Payment | None:
    payments = Payment.objects.filter(gateway=gateway_name)
    if event.payment_external_id:
        payment = payments.filter(external_id=event.payment_external_id).first()
        if payment is not None:
            return payment
    if event.payment_token:
        # The event may beat start_payment's own write of the external id.
        try:
            token = uuid.UUID(event.payment_token)
        except ValueError:
            return None
        payment = payments.filter(token=token).first()
        if payment is not None and payment.external_id in (None, event.payment_external_id):
            return payment
    return None


def _book_provider_refunds(
    payment: Payment, refunds: tuple[GatewayRefund, ...]
) -> tuple[int, list[str]]:
    """Book refunds the provider reports that we have not booked yet, matched by refund id;
    return how many were booked and why others could not be.

    A refund we started carries our idempotency key in its metadata, so an event that beats
    our own API call's return still finds (and books) our pending row exactly once. A refund
    made elsewhere for more than is left to refund is not booked (the payment and order
    totals would exceed what was captured): it is noted on the order for the merchant.
    """
    booked = 0
    refused: list[str] = []
    for reported in refunds:
        if not reported.external_id:
            continue
        if not reported.settled:
            _note_failed_provider_refund(payment, reported)
            continue
        refund = Refund.objects.filter(external_id=reported.external_id).first()
        if refund is None and reported.idempotency_key:
            refund = Refund.objects.filter(idempotency_key=reported.idempotency_key).first()
        if refund is None:
            if reported.currency != payment.currency:
                logger.warning("refund %s in another currency ignored", reported.external_id)
                continue
            # Made outside Mercato (e.g. the provider's dashboard).
            problem = _refund_exceeding_what_is_left(payment, reported)
            if problem:
                refused.append(problem)
                continue
            refund, _ = Refund.objects.get_or_create(
                idempotency_key=f"provider-{reported.external_id}"[:80],
                defaults={
                    "payment": payment,
                    "order_id": payment.order_id,
                    "amount": reported.amount,
                    "currency": reported.currency,
                    "external_id": reported.external_id,
                    "applies_to_order": payment.applied_to_order,
                    "reason": "Refunded at the payment provider",
                },
            )
        if refund.payment_id != payment.id or refund.status == Refund.Status.SUCCEEDED:
            continue
        try:
            book_refund(refund_id=refund.id, external_id=reported.external_id)
        except InvalidRefund as exc:
            logger.warning("refund %s not booked: %s", reported.external_id, exc.message)
            refused.append(_flag_unbooked_refund(payment, reported, f"refused: {exc.message}"))
            continue
        booked += 1
    return booked, refused


def _refund_exceeding_what_is_left(payment: Payment, reported: GatewayRefund) -> str:
    """Why the provider's refund cannot be booked against ``payment``, or "" when it can."""
    left = Payment.objects.select_for_update().values_list("amount", "amount_refunded")
    amount, refunded = left.get(pk=payment.pk)
    if reported.amount <= amount - refunded:
        return ""
    return _flag_unbooked_refund(
        payment,
        reported,
        f"more than the {amount - refunded:.2f} {payment.currency} left to refund",
    )


def _flag_unbooked_refund(payment: Payment, reported: GatewayRefund, why: str) -> str:
    amount = quantize(Decimal(reported.amount), reported.currency or None)
    problem = f"refund {reported.external_id} of {amount} {reported.currency} is {why}"
    logger.error("payment %s: %s", payment.pk, problem)
    order_services.record_order_event(
        order_id=payment.order_id,
        type=OrderEvent.Type.NOTE,
        message=f"The payment provider reports a {problem}; it was not booked: "
        "check it at the provider."[:255],
        data={"refund": reported.external_id, "amount": str(amount), "problem": why},
    )
    return problem


def _note_failed_provider_refund(payment: Payment, reported: GatewayRefund) -> None:
    """A refund we booked failed later at the provider (e.g. a closed card): tell the merchant.

    The booking stays: the customer is still owed the money, and the merchant settles it
    another way. Nothing to do for a refund we never booked.
    """
    booked = Refund.objects.filter(
        external_id=reported.external_id, status=Refund.Status.SUCCEEDED
    ).first()
    if booked is None:
        return
    logger.error("refund %s failed at the provider: %s", reported.external_id, reported.status)
    order_services.record_order_event(
        order_id=payment.order_id,
        type=OrderEvent.Type.NOTE,
        message=f"The provider reports refund {reported.external_id} as {reported.status}: "
        "the customer has not received it."[:255],
        data={"refund": reported.external_id, "status": reported.status},
    )


def mark_events_checked(*, event_ids) -> int:
    """The merchant has looked into these flagged events: they leave the dashboard's list."""
    return WebhookEvent.objects.filter(pk__in=event_ids, needs_attention=True).update(
        needs_attention=False
    )
