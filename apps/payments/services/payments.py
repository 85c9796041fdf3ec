"""Starting a payment and recording its outcome (success, failure) for the order.

Every provider call is phased (conventions: no network inside a transaction or under a lock):
  1. a short transaction writes what we are about to ask (a pending Payment or Refund) and
     commits;
  2. the gateway is called with no transaction open and no lock held;
  3. a new transaction records the answer, idempotently: a webhook may have recorded it first.

Lock order: webhook event row (unique insert) → order (``orders.locks``) → refund → payment.
"""

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from apps.observability import metrics
from apps.orders import locks as order_locks
from apps.orders import services as order_services
from apps.orders.exceptions import OrderNotPayable
from apps.orders.models import Order, OrderEvent
from apps.payments import locks
from apps.payments.exceptions import (
    InvalidReturnUrl,
    PaymentDeclined,
    PaymentGatewayChanged,
    PaymentNotAllowed,
    PaymentNotApplied,
)
from apps.payments.gateways import test as test_gateway
from apps.payments.gateways.base import EventKind, PaymentStart, payment_page_url
from apps.payments.gateways.registry import (
    check_mode_allowed,
    enabled_gateway,
    enabled_gateway_names,
    get_gateway,
    in_test_mode,
)
from apps.payments.models import OPEN, Payment, new_idempotency_key
from apps.payments.services import gift_card_sales
from apps.payments.services.gift_cards import applied_amount
from apps.payments.services.refunds import refund_unapplied_payment

logger = logging.getLogger(__name__)

S = Payment.Status


def check_store_takes_payments(gateway_name: str | None = None) -> None:
    """Raise PaymentMethodNotEnabled for a gateway the store has not enabled, or
    TestPaymentsNotAllowed when the gateway (default: the store's first) is in test mode where
    the platform takes no test payments. Callers that place an order and start its payment
    after the commit (the API) ask first, so that a refused payment leaves no pending order
    behind."""
    check_mode_allowed(enabled_gateway(gateway_name))


def start_payment(
    *, order_id: int, return_url: str, gateway_name: str | None = None
) -> PaymentStart:
    """Open a payment for the order's total with one of the store's enabled gateways (default:
    its first); say where the shopper goes.

    ``return_url`` is a path on this store (the order confirmation page) where the shopper
    lands after paying. The order's open payment (same gateway and amount) is reused, so a
    reload or a retry after a decline continues the same payment — at Stripe, the same
    PaymentIntent. An order with nothing to pay is marked paid at once.

    Choosing another gateway leaves the order's open payment at the first one as it is (the
    provider may already hold the shopper's approval): whichever succeeds first pays the
    order, and a later one is refunded automatically (``_why_payment_cannot_pay``), so the
    order is paid once. Raises PaymentMethodNotEnabled for a gateway the store has not enabled.
    """
    _check_return_url(return_url)
    gateway_name = enabled_gateway(gateway_name)
    check_mode_allowed(gateway_name)
    payment = _open_payment(
        order_id=order_id,
        gateway_name=gateway_name,
        mode=gateway_mode(gateway_name),
        return_url=return_url,
    )
    if payment is None:  # a free order: paid without a gateway
        return PaymentStart(payment_id=0, external_id="", redirect_url=return_url)
    return start_opened_payment(payment=payment)


def _check_return_url(return_url: str) -> None:
    if not return_url.startswith("/") or not url_has_allowed_host_and_scheme(
        return_url, allowed_hosts=None
    ):
        raise InvalidReturnUrl("The return URL must be a path on this store, like /orders/…/.")


def open_payment_for_new_order(*, order: Order, return_url: str) -> Payment:
    """Create the pending payment of an order placed in the current transaction.

    Call inside the transaction that created the order (architecture §3 step 3: order, lines
    and pending payment in one transaction); nobody else can see the order yet, so no lock is
    needed. ``start_opened_payment`` asks the gateway after commit.
    """
    _check_return_url(return_url)
    if order.total <= 0 or order.status != Order.Status.PENDING:
        raise PaymentNotAllowed(f"Order #{order.number} takes no payment.")
    gateway_name = enabled_gateway(None)
    check_mode_allowed(gateway_name)
    payment = Payment(
        order=order,
        gateway=gateway_name,
        mode=gateway_mode(gateway_name),
        amount=get_gateway(gateway_name).chargeable_amount(order.total, order.currency),
        currency=order.currency,
        return_url=return_url,
    )
    # A gateway that names payments itself (the test gateway) needs no call, nor a second write.
    local_external_id = getattr(get_gateway(gateway_name), "local_external_id", None)
    if local_external_id is not None:
        payment.external_id = local_external_id(payment)
    payment.save(force_insert=True)
    return payment


def gateway_mode(gateway_name: str) -> str:
    """ "test" or "live": the mode the store's settings put the gateway in now."""
    return "test" if in_test_mode(gateway_name) else "live"


def check_payment_usable(payment: Payment) -> None:
    """Refuse a payment page that can no longer take a payment: one opened with a gateway the
    store has since disabled or a mode (test/live keys) it has since left
    (PaymentGatewayChanged; ``start_payment`` opens a new one), or one in test mode where the
    platform takes no test payments (TestPaymentsNotAllowed)."""
    enabled = enabled_gateway_names()
    current = enabled[0]
    if payment.gateway not in enabled or (
        payment.mode and payment.mode != gateway_mode(payment.gateway)
    ):
        raise PaymentGatewayChanged(
            "This payment page is no longer valid: the store has changed how it takes "
            "payments. Please start the payment again.",
            extra={"gateway": payment.gateway, "store_gateway": current},
        )
    check_mode_allowed(payment.gateway)


def start_opened_payment(*, payment: Payment) -> PaymentStart:
    """Open an open payment at its gateway (network, no transaction); say where the shopper
    goes. A payment the gateway already knows is continued as it is."""
    gateway = get_gateway(payment.gateway)
    return_url = payment.return_url
    if payment.external_id:
        return PaymentStart(
            payment_id=payment.id,
            external_id=payment.external_id,
            redirect_url=payment_page_url(payment),
            client_secret=payment.client_secret,
            approval_url=payment.approval_url,
        )
    start = gateway.create_payment(payment, return_url=return_url)  # network, no transaction
    # Conditional: a concurrent start (double click) may have stored the same answer first.
    Payment.objects.filter(pk=payment.pk, external_id__isnull=True).update(
        external_id=start.external_id,
        client_secret=start.client_secret,
        approval_url=start.approval_url,
        updated_at=timezone.now(),
    )
    return start


@transaction.atomic
def _open_payment(
    *, order_id: int, gateway_name: str, mode: str, return_url: str
) -> Payment | None:
    order = order_locks.lock_order(order_id)
    if order.status != Order.Status.PENDING or order.paid_at is not None:
        raise PaymentNotAllowed(
            f"Order #{order.number} is {order.get_status_display().lower()} and takes no payment.",
            extra={"order": order.number, "status": order.status},
        )
    if order.total == 0:
        gift_card_sales.pay_locked_order(order=order, amount=Decimal("0"))
        return None
    due = order.total - applied_amount(order.id)  # less what gift cards paid
    due = get_gateway(gateway_name).chargeable_amount(due, order.currency)
    payment = (
        order.payments.filter(
            gateway=gateway_name,
            mode=mode,
            amount=due,
            currency=order.currency,
            status__in=OPEN,
        )
        .order_by("-id")
        .first()
    )
    if payment is None:
        payment = Payment.objects.create(
            order=order,
            gateway=gateway_name,
            mode=mode,
            amount=due,
            currency=order.currency,
            return_url=return_url,
        )
    elif payment.return_url != return_url:
        payment.return_url = return_url
        payment.save(update_fields=["return_url", "updated_at"])
    return payment


def complete_page_payment(
    *, payment_id: int, data: Mapping[str, Any], payment: Payment | None = None
) -> Payment:
    """Charge with the details posted to our own payment page (a gateway's ``page_form``: the
    test gateway's card form) and record the outcome. Card data is never stored or logged.

    Raises PaymentDeclined (the order stays pending; the shopper may retry),
    PaymentGatewayChanged or TestPaymentsNotAllowed (``check_payment_usable``: nothing is
    charged) or PaymentNotApplied (the money could not pay the order and was refunded
    automatically).
    ``payment``: the row as the caller just read it (saves reading it again); its amount is
    what is charged.
    """
    if payment is None or payment.pk != payment_id:
        payment = Payment.objects.get(pk=payment_id)
    check_payment_usable(payment)
    outcome = get_gateway(payment.gateway).charge_on_page(payment, data)
    if not outcome.approved:
        record_failure(payment_id=payment.id, message=outcome.message)
        raise PaymentDeclined(outcome.message, code=outcome.code)
    needs_refund, payment = _record_success(
        payment_id=payment.id,
        amount=payment.amount,
        currency=payment.currency,
        order_id=payment.order_id,
    )
    if needs_refund:
        refund_unapplied_payment(payment_id=payment.id)
        raise PaymentNotApplied(
            f"This order can no longer be paid ({payment.failure_message}). "
            "Your payment has been refunded.",
        )
    return payment


def complete_test_payment(
    *, payment_id: int, card_number: str, payment: Payment | None = None
) -> Payment:
    """Pay a test-gateway payment with a (digits-only) card number, as its card form does."""
    if payment is None or payment.pk != payment_id or payment.gateway != "test":
        payment = Payment.objects.get(pk=payment_id, gateway=test_gateway.TestGateway.name)
    return complete_page_payment(
        payment_id=payment.id, data={"number": card_number}, payment=payment
    )


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
        if record_success(payment_id=payment.id, amount=event.amount, currency=event.currency):
            refund_unapplied_payment(payment_id=payment.id)
    elif event.kind == EventKind.PAYMENT_FAILED:
        record_failure(payment_id=payment.id, message=event.failure_message, restart=event.restart)
    payment.refresh_from_db()
    return payment


def record_success(
    *,
    payment_id: int,
    amount: Decimal | None,
    currency: str,
    external_id: str = "",
    order_id: int | None = None,
) -> bool:
    """Record that the provider took the money; pay the order if it can be paid.

    Idempotent and safe out of order: a payment already recorded as captured is left alone.
    Returns True when the money could not pay the order and must be refunded (after commit).
    ``order_id``: the payment's order when the caller knows it (a payment never changes
    order; the payment row is re-read under its lock below).
    """
    needs_refund, _ = _record_success(
        payment_id=payment_id,
        amount=amount,
        currency=currency,
        external_id=external_id,
        order_id=order_id,
    )
    return needs_refund


def _record_success(
    *,
    payment_id: int,
    amount: Decimal | None,
    currency: str,
    external_id: str = "",
    order_id: int | None = None,
) -> tuple[bool, Payment]:
    """``record_success``, also returning the payment row as recorded."""
    with transaction.atomic():
        if order_id is None:
            order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order = order_locks.lock_order(order_id)
        payment = locks.lock_payment(payment_id)
        if payment.order_id != order_id:
            raise Payment.DoesNotExist(f"Payment {payment_id} is not order {order_id}'s.")
        if payment.status not in OPEN:
            return False, payment
        if external_id and not payment.external_id:
            payment.external_id = external_id
        payment.status = S.SUCCEEDED
        payment.failure_message = ""
        problem = _why_payment_cannot_pay(order, payment, amount, currency)
        if not problem:
            try:
                # No savepoint needed: a refusal comes before any write of its own.
                applied = applied_amount(order.id, exclude_payment_id=payment.id)
                gift_card_sales.pay_locked_order(
                    order=order,
                    # With the gift cards that paid part of it first (split tender).
                    amount=_settled(order, payment, amount or Decimal("0"), applied) + applied,
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
        metrics.count_on_commit(
            metrics.payment_attempts, gateway=payment.gateway, outcome="succeeded"
        )
        return bool(problem), payment


def _settled(order: Order, payment: Payment, amount: Decimal, applied: Decimal) -> Decimal:
    """What ``amount`` pays of the order: the whole rest due when the gateway charged that rest
    rounded to its step (Stripe: 6.142 KWD due, 6.140 charged), else ``amount`` itself."""
    due = order.total - applied
    if amount != due and amount == get_gateway(payment.gateway).chargeable_amount(
        due, order.currency
    ):
        order_services.record_order_event(
            order_id=order.id,
            type=OrderEvent.Type.NOTE,
            message=f"{amount} {order.currency} charged for the {due} due "
            f"(the provider's step for {order.currency}).",
            data={"payment": payment.token.hex, "charged": str(amount), "due": str(due)},
        )
        return due
    return amount


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


def record_failure(*, payment_id: int, message: str, restart: bool = False) -> bool:
    """Record a failed attempt. Ignored once the payment succeeded (events arrive out of order).

    ``restart``: the provider's payment object is finished (a declined PayPal capture completes
    the PayPal order), so the retry opens a new one: the payment forgets it and takes a new
    idempotency key (the old one would replay the finished object). Its id stays in the
    order's history.
    """
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
        fields = ["status", "failure_message", "updated_at"]
        if restart and payment.external_id:
            order_services.record_order_event(
                order_id=order_id,
                type=OrderEvent.Type.NOTE,
                message=f"{payment.gateway} payment {payment.external_id} closed: {message}"[:255],
                data={"payment": payment.token.hex, "external_id": payment.external_id},
            )
            payment.external_id = None
            payment.client_secret = payment.approval_url = ""
            payment.idempotency_key = new_idempotency_key()
            fields += ["external_id", "client_secret", "approval_url", "idempotency_key"]
        payment.save(update_fields=fields)
        order_services.mark_payment_failed(order_id=order_id, reason=message)
        metrics.count_on_commit(metrics.payment_attempts, gateway=payment.gateway, outcome="failed")
        return True
