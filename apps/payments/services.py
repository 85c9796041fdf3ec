"""Payment writes: start a payment, complete it, process provider events, refund.

Every provider call is phased (conventions: no network inside a transaction or under a lock):
  1. a short transaction writes what we are about to ask (a pending Payment or Refund) and
     commits;
  2. the gateway is called with no transaction open and no lock held;
  3. a new transaction records the answer, idempotently: a webhook may have recorded it first.

Lock order: webhook event row (unique insert) → order (``orders.locks``) → refund → payment.
"""

import logging
import uuid
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.exceptions import DomainError
from apps.orders import locks as order_locks
from apps.orders import services as order_services
from apps.orders.exceptions import InvalidRefund, OrderNotPayable
from apps.orders.models import Order, OrderEvent
from apps.payments import locks
from apps.payments.exceptions import (
    PaymentDeclined,
    PaymentNotAllowed,
    PaymentNotApplied,
    PaymentProviderError,
    RefundRejected,
)
from apps.payments.gateways import get_gateway
from apps.payments.gateways import test as test_gateway
from apps.payments.gateways.base import (
    EventKind,
    GatewayEvent,
    GatewayRefund,
    PaymentStart,
    payment_page_url,
)
from apps.payments.models import Payment, Refund, WebhookEvent
from apps.preferences.selectors import get_store_settings

logger = logging.getLogger(__name__)

S = Payment.Status
OPEN = (S.PENDING, S.FAILED)  # may still succeed: a failed attempt can be retried
CAPTURED = (S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED)


class InvalidReturnUrl(DomainError):
    code = "invalid_return_url"
    http_status = 400


# --- starting a payment ----------------------------------------------------------------------


def start_payment(*, order_id: int, return_url: str) -> PaymentStart:
    """Open a payment for the order's total with the store's gateway; say where the shopper goes.

    ``return_url`` is a path on this store (the order confirmation page) where the shopper
    lands after paying. The order's open payment (same gateway and amount) is reused, so a
    reload or a retry after a decline continues the same payment — at Stripe, the same
    PaymentIntent. An order with nothing to pay is marked paid at once.
    """
    if not return_url.startswith("/") or not url_has_allowed_host_and_scheme(
        return_url, allowed_hosts=None
    ):
        raise InvalidReturnUrl("The return URL must be a path on this store, like /orders/…/.")
    gateway_name = get_store_settings().payment_gateway
    gateway = get_gateway(gateway_name)
    payment = _open_payment(order_id=order_id, gateway_name=gateway_name, return_url=return_url)
    if payment is None:  # a free order: paid without a gateway
        return PaymentStart(payment_id=0, external_id="", redirect_url=return_url)
    if payment.external_id:
        return PaymentStart(
            payment_id=payment.id,
            external_id=payment.external_id,
            redirect_url=payment_page_url(payment),
            client_secret=payment.client_secret,
        )
    start = gateway.create_payment(payment, return_url=return_url)  # network, no transaction
    # Conditional: a concurrent start (double click) may have stored the same answer first.
    Payment.objects.filter(pk=payment.pk, external_id__isnull=True).update(
        external_id=start.external_id, client_secret=start.client_secret, updated_at=timezone.now()
    )
    return start


@transaction.atomic
def _open_payment(*, order_id: int, gateway_name: str, return_url: str) -> Payment | None:
    order = order_locks.lock_order(order_id)
    if order.status != Order.Status.PENDING or order.paid_at is not None:
        raise PaymentNotAllowed(
            f"Order #{order.number} is {order.get_status_display().lower()} and takes no payment.",
            extra={"order": order.number, "status": order.status},
        )
    if order.total == 0:
        order_services.mark_order_paid(order_id=order.id, amount=Decimal("0"))
        return None
    payment = (
        order.payments.filter(
            gateway=gateway_name, amount=order.total, currency=order.currency, status__in=OPEN
        )
        .order_by("-id")
        .first()
    )
    if payment is None:
        payment = Payment.objects.create(
            order=order,
            gateway=gateway_name,
            amount=order.total,
            currency=order.currency,
            return_url=return_url,
        )
    elif payment.return_url != return_url:
        payment.return_url = return_url
        payment.save(update_fields=["return_url", "updated_at"])
    return payment


# --- outcomes: success, failure ----------------------------------------------------------------


def complete_test_payment(*, payment_id: int, card_number: str) -> Payment:
    """Charge a card on the test gateway's hosted page (digits only; never stored or logged).

    Raises PaymentDeclined (the order stays pending; the shopper may retry) or
    PaymentNotApplied (the money could not pay the order and was refunded automatically).
    """
    payment = Payment.objects.get(pk=payment_id, gateway=test_gateway.TestGateway.name)
    outcome = test_gateway.charge_card(card_number)
    if not outcome.approved:
        _record_failure(payment_id=payment.id, message=outcome.message)
        raise PaymentDeclined(outcome.message, code=outcome.code)
    needs_refund = _record_success(
        payment_id=payment.id, amount=payment.amount, currency=payment.currency
    )
    payment.refresh_from_db()
    if needs_refund:
        refund_unapplied_payment(payment_id=payment.id)
        raise PaymentNotApplied(
            f"This order can no longer be paid ({payment.failure_message}). "
            "Your payment has been refunded.",
        )
    return payment


def sync_payment_status(*, payment_id: int) -> Payment:
    """Ask the provider how an open payment stands and record it (the shopper's return URL).

    Only the provider's answer counts: query parameters on the return URL are never trusted.
    """
    payment = Payment.objects.get(pk=payment_id)
    if payment.status not in OPEN:
        return payment
    event = get_gateway(payment.gateway).retrieve_payment(payment)  # network, no transaction
    if event.payment_external_id and event.payment_external_id != payment.external_id:
        return payment
    if event.kind == EventKind.PAYMENT_SUCCEEDED:
        if _record_success(payment_id=payment.id, amount=event.amount, currency=event.currency):
            refund_unapplied_payment(payment_id=payment.id)
    elif event.kind == EventKind.PAYMENT_FAILED:
        _record_failure(payment_id=payment.id, message=event.failure_message)
    payment.refresh_from_db()
    return payment


def _record_success(
    *, payment_id: int, amount: Decimal | None, currency: str, external_id: str = ""
) -> bool:
    """Record that the provider took the money; pay the order if it can be paid.

    Idempotent and safe out of order: a payment already recorded as captured is left alone.
    Returns True when the money could not pay the order and must be refunded (after commit).
    """
    with transaction.atomic():
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order = order_locks.lock_order(order_id)
        payment = locks.lock_payment(payment_id)
        if payment.status not in OPEN:
            return False
        if external_id and not payment.external_id:
            payment.external_id = external_id
        payment.status = S.SUCCEEDED
        payment.failure_message = ""
        problem = _why_payment_cannot_pay(order, payment, amount, currency)
        if not problem:
            try:
                with transaction.atomic():  # a savepoint: a refusal leaves our writes intact
                    order_services.mark_order_paid(
                        order_id=order.id,
                        amount=amount,
                        payment_reference=payment.external_id or payment.token.hex,
                    )
            except OrderNotPayable as exc:
                problem = exc.message
            else:
                payment.applied_to_order = True
        if problem:
            if amount is not None and currency:
                # The row records what the provider really took: that is what goes back.
                payment.amount, payment.currency = amount, currency.upper()
            payment.failure_message = problem[:255]
            order_services.record_order_event(
                order_id=order.id,
                type=OrderEvent.Type.NOTE,
                message=f"Payment not applied, refunding it automatically: {problem}"[:255],
                data={
                    "payment": payment.token.hex,
                    "amount": str(amount),
                    "currency": currency,
                    "reason": problem,
                },
            )
            logger.warning(
                "order #%s: payment %s not applied: %s", order.number, payment.pk, problem
            )
        payment.save()
        return bool(problem)


def _why_payment_cannot_pay(
    order: Order, payment: Payment, amount: Decimal | None, currency: str
) -> str:
    if amount is None:
        return "The provider reported no amount."
    if currency.upper() != payment.currency or payment.currency != order.currency:
        return f"Paid in {currency.upper()}, but the order is in {order.currency}."
    if amount != payment.amount:
        return f"Paid {amount} {currency.upper()}, but the payment was for {payment.amount}."
    if order.paid_at is not None:
        return f"Order #{order.number} was already paid by another payment."
    return ""


def _record_failure(*, payment_id: int, message: str) -> bool:
    """Record a failed attempt. Ignored once the payment succeeded (events arrive out of order)."""
    message = message or "The payment failed."
    with transaction.atomic():
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order_locks.lock_order(order_id)
        payment = locks.lock_payment(payment_id)
        if payment.status not in OPEN:
            logger.info("payment %s: failure after %s ignored", payment.pk, payment.status)
            return False
        payment.status = S.FAILED
        payment.failure_message = message[:255]
        payment.save(update_fields=["status", "failure_message", "updated_at"])
        order_services.mark_payment_failed(order_id=order_id, reason=message)
        return True


# --- webhooks ----------------------------------------------------------------------------------


def process_webhook(*, gateway_name: str, payload: bytes, signature_header: str) -> str:
    """Verify and apply one provider event, once; return what happened (for the log/response).

    Raises InvalidWebhook for a bad signature or body. A replayed event id changes nothing; an
    event for a payment this store does not know is ignored.
    """
    gateway = get_gateway(gateway_name)
    event = gateway.parse_webhook(payload, signature_header)  # may call the provider
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


def _apply_event(gateway_name: str, event: GatewayEvent) -> tuple[str, int | None]:
    if event.kind == EventKind.IGNORED:
        return "ignored: event type not handled", None
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
        needs_refund = _record_success(
            payment_id=payment.id,
            amount=event.amount,
            currency=event.currency,
            external_id=event.payment_external_id,
        )
        return ("not applied: refunding" if needs_refund else "succeeded"), (
            payment.id if needs_refund else None
        )
    if event.kind == EventKind.PAYMENT_FAILED:
        recorded = _record_failure(payment_id=payment.id, message=event.failure_message)
        return ("failed" if recorded else "ignored: payment already settled"), None
    if event.kind == EventKind.REFUNDS:
        booked = _book_provider_refunds(payment, event.refunds)
        return f"refunds booked: {booked}", None
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
        if not reported.external_id or not reported.settled:
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
            _book_refund(refund_id=refund.id, external_id=reported.external_id)
        except InvalidRefund as exc:
            logger.warning("refund %s not booked: %s", reported.external_id, exc.message)
            continue
        booked += 1
    return booked


# --- refunds -----------------------------------------------------------------------------------


def refund_order(
    *, order_id: int, amount: Decimal, actor_id: int | None = None, reason: str = ""
) -> Refund:
    """Refund part or all of a paid order through its gateway, then book it on the order.

    Raises InvalidRefund (nothing to refund, amount out of range), RefundRejected or
    PaymentProviderError (the provider said no or could not be reached: nothing is booked).
    """
    refund = _open_refund(order_id=order_id, amount=amount, actor_id=actor_id, reason=reason)
    payment = refund.payment
    try:
        result = get_gateway(payment.gateway).refund(
            payment, amount=refund.amount, idempotency_key=refund.idempotency_key
        )  # network, no transaction
    except (RefundRejected, PaymentProviderError) as exc:
        _mark_refund_failed(refund_id=refund.id, message=exc.message)
        raise
    if not result.settled:
        message = f"The payment provider reports the refund as {result.status or 'unknown'}."
        _mark_refund_failed(refund_id=refund.id, message=message)
        raise RefundRejected(message)
    return _book_refund(refund_id=refund.id, external_id=result.external_id)


@transaction.atomic
def _open_refund(*, order_id: int, amount: Decimal, actor_id: int | None, reason: str) -> Refund:
    order = order_locks.lock_order(order_id)
    amount = order_services.check_refund(order, amount)
    payment = (
        order.payments.filter(applied_to_order=True, status__in=CAPTURED).order_by("id").first()
    )
    if payment is None:
        raise InvalidRefund(f"Order #{order.number} has no captured payment to refund.")
    # Refunds already on their way to the provider hold their amount (the order lock
    # serializes this check), so two concurrent refunds can never exceed the total.
    in_flight = Refund.objects.filter(
        order=order, applies_to_order=True, status=Refund.Status.PENDING
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    available = min(order.refundable_amount, payment.refundable_amount) - in_flight
    if amount > available:
        raise InvalidRefund(
            f"At most {max(available, Decimal('0'))} {order.currency} can be refunded now.",
            extra={"refundable": str(max(available, Decimal("0"))), "amount": str(amount)},
        )
    return Refund.objects.create(
        payment=payment,
        order=order,
        amount=amount,
        currency=payment.currency,
        actor_id=actor_id,
        reason=reason.strip()[:255],
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
    refund = _book_refund(refund_id=refund.id, external_id=result.external_id)
    order_services.record_order_event(
        order_id=order_id,
        type=OrderEvent.Type.NOTE,
        message=f"Payment of {refund.amount} {refund.currency} refunded automatically.",
        data={"payment": payment.token.hex, "refund": refund.external_id or ""},
    )
    return refund


@transaction.atomic
def _book_refund(*, refund_id: int, external_id: str) -> Refund:
    """Record that the provider refunded: once, whoever gets here first (API return or webhook)."""
    order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)
    order_locks.lock_order(order_id)
    refund = locks.lock_refund(refund_id)
    payment = locks.lock_payment(refund.payment_id)
    if refund.status == Refund.Status.SUCCEEDED:
        return refund
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
            amount=refund.amount,
            actor_id=refund.actor_id,
            reference=refund.external_id or "",
            reason=refund.reason,
        )
    return refund


def _mark_refund_failed(*, refund_id: int, message: str) -> None:
    # Conditional: a webhook may already have booked this refund as done.
    Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
        status=Refund.Status.FAILED, failure_message=message[:255], updated_at=timezone.now()
    )
