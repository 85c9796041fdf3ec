"""Provider events (webhooks): verified, applied once per event id, safe out of order."""

import logging
import uuid
from dataclasses import replace

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.orders import services as order_services
from apps.orders.exceptions import InvalidRefund
from apps.orders.models import OrderEvent
from apps.payments.gateways.base import EventKind, GatewayEvent, GatewayRefund
from apps.payments.gateways.registry import get_gateway
from apps.payments.models import OPEN, Payment, Refund, WebhookEvent
from apps.payments.services.payments import record_failure, record_success
from apps.payments.services.refunds import book_refund, refund_unapplied_payment

logger = logging.getLogger(__name__)


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
        outcome, refund_payment_id = _apply_event(gateway_name, event)
        record.outcome = outcome[:255]
        record.processed_at = timezone.now()
        record.save(update_fields=["outcome", "processed_at"])
    if refund_payment_id is not None:
        refund_unapplied_payment(payment_id=refund_payment_id)  # network, after commit
    return outcome


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


def _apply_event(gateway_name: str, event: GatewayEvent) -> tuple[str, int | None]:
    if event.kind == EventKind.IGNORED:
        return f"ignored: {event.note or 'event type not handled'}", None
    if event.store and event.store != connection.schema_name:
        logger.warning("%s event %s belongs to store %s", gateway_name, event.id, event.store)
        return "ignored: another store's payment", None
    payment = _find_payment(gateway_name, event)
    if payment is None:
        logger.warning(
            "%s event %s (%s): unknown payment %s",
            gateway_name, event.id, event.type, event.payment_external_id or event.payment_token,
        )  # fmt: skip
        return "ignored: unknown payment", None
    if event.kind == EventKind.PAYMENT_SUCCEEDED:
        needs_refund = record_success(
            payment_id=payment.id,
            amount=event.amount,
            currency=event.currency,
            external_id=event.payment_external_id,
        )
        return ("not applied: refunding" if needs_refund else "succeeded"), (
            payment.id if needs_refund else None
        )
    if event.kind == EventKind.PAYMENT_FAILED:
        recorded = record_failure(
            payment_id=payment.id, message=event.failure_message, restart=event.restart
        )
        return ("failed" if recorded else "ignored: payment already settled"), None
    if event.kind == EventKind.REFUNDS:
        booked = _book_provider_refunds(payment, event.refunds)
        return f"refunds booked: {booked}", None
    if event.kind == EventKind.PAYMENT_APPROVED:  # not completed by _complete_approved
        return "ignored: approval not completed", None
    return "ignored: payment processing", None


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


def _book_provider_refunds(payment: Payment, refunds: tuple[GatewayRefund, ...]) -> int:
    """Book refunds the provider reports that we have not booked yet, matched by refund id.

    A refund we started carries our idempotency key in its metadata, so an event that beats
    our own API call's return still finds (and books) our pending row exactly once.
    """
    booked = 0
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
            continue
        booked += 1
    return booked


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
