"""Store-host payment pages, the return URL and provider webhooks, the same for every gateway:
each gateway declares its page (template, context, optional form) and its webhook handler, and
these views look it up in the registry. Views parse input and call one service."""

import logging
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.core.exceptions import DomainError
from apps.orders.models import Order
from apps.payments import selectors, services
from apps.payments.exceptions import (
    PaymentDeclined,
    PaymentGatewayChanged,
    PaymentMethodNotEnabled,
)
from apps.payments.gateways.registry import GATEWAYS, enabled_gateway_names
from apps.payments.models import Payment

logger = logging.getLogger(__name__)


def _get_payment(token: UUID) -> Payment:
    try:
        return selectors.get_payment_by_token(token=token)
    except Payment.DoesNotExist as exc:
        raise Http404("No such payment") from exc


def _return_to(payment: Payment) -> HttpResponseRedirect:
    url = payment.return_url
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        url = "/"
    return HttpResponseRedirect(url)


def _unavailable(request, payment: Payment, message: str = "", status: int = 409):
    return render(
        request,
        "payments/unavailable.html",
        {"payment": payment, "order": payment.order, "message": message},
        status=status,
    )


@never_cache
@sensitive_post_parameters()  # whatever a gateway's page form posts (card details) is secret
def pay(request, token: UUID):
    """The hosted payment page for one payment, as its gateway declares it."""
    payment = _get_payment(token)
    order = payment.order
    if payment.applied_to_order or order.paid_at is not None:
        return _return_to(payment)
    if payment.status in services.CAPTURED:
        return _unavailable(request, payment, payment.failure_message)
    if order.status != Order.Status.PENDING:
        return _unavailable(request, payment)
    try:
        services.check_payment_usable(payment)
    except PaymentGatewayChanged:
        # Opened before the store changed gateway: continue with a payment at the new one.
        try:
            start = services.start_payment(order_id=payment.order_id, return_url=payment.return_url)
        except DomainError as exc:
            return _unavailable(request, payment, exc.message, status=exc.http_status)
        return redirect(start.redirect_url)
    except DomainError as exc:
        return _unavailable(request, payment, exc.message, status=exc.http_status)
    gateway = GATEWAYS.get(payment.gateway)
    if gateway is None:
        raise Http404("No page for this gateway")
    if not gateway.page_ready(payment):
        # The provider could not be reached when the payment was opened: try again now.
        try:
            start = services.start_payment(order_id=payment.order_id, return_url=payment.return_url)
        except DomainError as exc:
            return _unavailable(request, payment, exc.message, status=exc.http_status)
        if start.payment_id != payment.id:
            return redirect(start.redirect_url)
        payment.refresh_from_db()
    form = None
    if gateway.page_form is not None:
        form = gateway.page_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.complete_page_payment(
                payment_id=payment.id, data=form.cleaned_data, payment=payment
            )
        except PaymentDeclined as exc:
            form.add_error(None, exc.message)
        except DomainError as exc:
            return _unavailable(request, payment, exc.message, status=exc.http_status)
        else:
            return _return_to(payment)
    return_url = request.build_absolute_uri(
        reverse("payments:return", kwargs={"token": payment.token})
    )
    context = {
        "payment": payment,
        "order": payment.order,
        "order_lines": selectors.list_order_lines(order_id=payment.order_id),
        # Only a payment for less than the total has gift cards beside it (no query otherwise).
        "gift_card_payments": selectors.list_gift_card_payments(order_id=payment.order_id)
        if payment.amount != order.total
        else [],
        "form": form,
        # The store's enabled methods: a choice on the page when there are several.
        "payment_methods": [(name, GATEWAYS[name].label) for name in enabled_gateway_names()],
    }
    context.update(gateway.page_context(payment, return_url=return_url))
    response = render(request, gateway.page_template, context)
    if gateway.page_csp:
        # django-csp's csp_update, for this gateway's page only.
        response._csp_update = {k: list(v) for k, v in gateway.page_csp.items()}  # type: ignore[attr-defined]
    return response


@never_cache
def payment_return(request, token: UUID):
    """Where the provider sends the shopper back. Asks the provider; trusts no query string."""
    payment = _get_payment(token)
    try:
        payment = services.sync_payment_status(payment_id=payment.id)
    except DomainError as exc:
        # The webhook will bring the answer; the confirmation page shows "awaiting payment".
        logger.warning("payment %s: status check failed: %s", payment.pk, exc.message)
    if payment.status == Payment.Status.FAILED:
        messages.error(request, payment.failure_message or "The payment failed. Please try again.")
        gateway = GATEWAYS.get(payment.gateway)
        retry_url = gateway.retry_url(payment) if gateway is not None else ""
        if retry_url:  # e.g. back to PayPal to choose another funding source
            return HttpResponseRedirect(retry_url)
        return redirect("payments:pay", token=payment.token)
    if payment.status in services.CAPTURED and not payment.applied_to_order:
        return _unavailable(request, payment, payment.failure_message)
    return _return_to(payment)


@never_cache
@require_POST
@sensitive_post_parameters("code")
def apply_gift_card(request, token: UUID):
    """Spend a gift card on the order of this payment page (split tender): the card pays what
    it can; the page then asks for the rest with the store's gateway."""
    payment = _get_payment(token)
    code = request.POST.get("code", "")[:64]
    identity = request.session.session_key or f"ip:{request.META.get('REMOTE_ADDR', '')}"
    try:
        services.pay_with_gift_card(payment_id=payment.id, code=code, identity=identity)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("payments:pay", token=payment.token)
    payment.order.refresh_from_db()
    if payment.order.paid_at is not None:
        messages.success(request, "Paid with your gift card.")
        return _return_to(payment)
    payment.refresh_from_db()
    messages.success(
        request, f"Gift card applied: {payment.amount} {payment.currency} left to pay."
    )
    return redirect("payments:pay", token=payment.token)


@never_cache
@require_POST
def choose_method(request, token: UUID):
    """The shopper picks another of the store's enabled methods on the payment page: open
    (or continue) the order's payment with it and go to its page. A method the store has not
    enabled is refused (PaymentMethodNotEnabled, 400)."""
    payment = _get_payment(token)
    if payment.applied_to_order or payment.order.paid_at is not None:
        return _return_to(payment)
    try:
        start = services.start_payment(
            order_id=payment.order_id,
            return_url=payment.return_url,
            gateway_name=request.POST.get("gateway", "")[:16] or None,
        )
    except PaymentMethodNotEnabled as exc:
        return _unavailable(request, payment, exc.message, status=400)  # a crafted form post
    except DomainError as exc:  # e.g. the provider could not be reached: stay on this page
        messages.error(request, exc.message)
        return redirect("payments:pay", token=payment.token)
    return redirect(start.redirect_url)


@never_cache
def payment_cancel(request, token: UUID):
    """Where the provider sends a shopper who cancelled there (PayPal's cancel URL): back to
    our payment page. Nothing is written: the order stays pending and its stock stays held
    until the reservation expires."""
    payment = _get_payment(token)
    if payment.status not in services.CAPTURED and payment.order.paid_at is None:
        messages.info(
            request,
            "You left the payment page without paying. Your order and its items are still "
            "held for you: pay now, or come back before the hold expires.",
        )
    return redirect("payments:pay", token=payment.token)


@csrf_exempt
def webhook(request, gateway: str):
    """Provider → store events. Answers JSON: 200 once handled (or ignored), 400 if bad."""
    if gateway not in GATEWAYS:
        return JsonResponse({"code": "not_found", "message": "No such gateway."}, status=404)
    if request.method != "POST":
        return JsonResponse(
            {"code": "method_not_allowed", "message": "POST events here."}, status=405
        )
    try:
        outcome = services.process_webhook(
            gateway_name=gateway,
            payload=request.body,
            signature_header=GATEWAYS[gateway].webhook_signature(request.headers),
        )
    except DomainError as exc:
        logger.warning("%s webhook rejected: %s", gateway, exc.message)
        return JsonResponse(exc.as_dict(), status=exc.http_status)
    return JsonResponse({"received": True, "outcome": outcome})
