"""Checkout steps: contact → shipping address → delivery → review (voucher) → pay.

Every step is a plain form post; the review page re-prices from the catalog; "Pay" reserves
stock and places the pending order (one transaction), then hands over to the payment gateway.
"""

import logging
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.catalog.models import Variant
from apps.checkout import selectors as checkout_selectors
from apps.checkout import services as checkout_services
from apps.checkout.models import Checkout
from apps.core.exceptions import DomainError
from apps.inventory.exceptions import InsufficientStock
from apps.payments import services as payment_services
from apps.storefront.carts import CART_COOKIE, current_cart
from apps.storefront.checkout_forms import (
    AddressForm,
    ContactForm,
    ShippingMethodForm,
    VoucherForm,
)

logger = logging.getLogger(__name__)


def _user_id(request) -> int | None:
    return request.user.id if request.user.is_authenticated else None


def _get_checkout(request, token) -> Checkout:
    """The checkout of this shopper's cart; tokens of other carts are not found."""
    try:
        checkout = checkout_selectors.get_checkout(token=token)
    except Checkout.DoesNotExist as exc:
        raise Http404("No such checkout") from exc
    if not request.user.is_authenticated and _is_cookie_cart(request, checkout.cart):
        # A guest's current cart is the open cart of the cookie's token: the checkout's own
        # cart, loaded with it, is that cart (no query of its own).
        request._cart = checkout.cart
    cart = current_cart(request)
    if cart is None or checkout.cart_id != cart.id:
        raise Http404("No such checkout")
    return checkout


def _is_cookie_cart(request, cart) -> bool:
    try:
        token = uuid.UUID(request.COOKIES.get(CART_COOKIE, ""))
    except (ValueError, TypeError, AttributeError):
        return False
    return cart.token == token and cart.status == cart.Status.OPEN


@require_POST
def checkout_start(request):
    cart = current_cart(request)
    if cart is None:
        messages.error(request, "Your cart is empty.")
        return redirect("cart:detail")
    email = request.user.email if request.user.is_authenticated else ""
    try:
        checkout = checkout_services.start_checkout(
            cart=cart, user_id=_user_id(request), email=email
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cart:detail")
    step = "checkout:shipping" if checkout.email else "checkout:contact"
    return redirect(step, token=checkout.token)


@require_http_methods(["GET", "POST"])
def checkout_contact(request, token):
    checkout = _get_checkout(request, token)
    form = ContactForm(request.POST or None, initial={"email": checkout.email})
    if request.method == "POST" and form.is_valid():
        checkout_services.set_contact(checkout=checkout, email=form.cleaned_data["email"])
        return redirect("checkout:shipping", token=checkout.token)
    return _render_step(request, "contact", checkout, form=form)


@require_http_methods(["GET", "POST"])
def checkout_shipping(request, token):
    checkout = _get_checkout(request, token)
    if not checkout.email:
        return redirect("checkout:contact", token=checkout.token)
    initial = checkout.shipping_address or {"country": request.store.country}
    form = AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            checkout_services.set_shipping_address(checkout=checkout, address=form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("checkout:delivery", token=checkout.token)
    return _render_step(request, "shipping", checkout, form=form)


@require_http_methods(["GET", "POST"])
def checkout_delivery(request, token):
    checkout = _get_checkout(request, token)
    if not checkout.shipping_address:
        return redirect("checkout:shipping", token=checkout.token)
    summary = checkout_selectors.get_checkout_summary(checkout)
    form = ShippingMethodForm(
        request.POST or None,
        options=summary.shipping_options,
        currency=request.store.currency,
        initial={"method": summary.shipping_method.id if summary.shipping_method else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            checkout_services.set_shipping_method(
                checkout=checkout, method_id=form.cleaned_data["method"], cart_view=summary.cart
            )
        except DomainError as exc:
            form.add_error("method", exc.message)
        else:
            return redirect("checkout:review", token=checkout.token)
    return _render_step(request, "delivery", checkout, form=form, summary=summary)


def checkout_review(request, token):
    checkout = _get_checkout(request, token)
    summary = checkout_selectors.get_checkout_summary(checkout)
    if summary.cart.is_empty:
        return redirect("cart:detail")
    if summary.voucher_error:
        messages.error(request, summary.voucher_error.message)
    return _render_step(request, "review", checkout, summary=summary, voucher_form=VoucherForm())


@require_POST
def checkout_voucher(request, token):
    checkout = _get_checkout(request, token)
    if request.POST.get("remove"):
        checkout_services.remove_voucher(checkout=checkout)
        messages.success(request, "Voucher removed.")
        return redirect("checkout:review", token=checkout.token)
    form = VoucherForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a voucher code.")
    else:
        try:
            checkout_services.apply_voucher(checkout=checkout, code=form.cleaned_data["code"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Voucher {checkout.voucher.code} applied.")
    return redirect("checkout:review", token=checkout.token)


@require_POST
def checkout_pay(request, token):
    checkout = _get_checkout(request, token)
    try:
        order = checkout_services.place_order(checkout_id=checkout.id, user_id=_user_id(request))
    except InsufficientStock as exc:
        messages.error(request, _sold_out_message(exc))
        return redirect("cart:detail")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("checkout:review", token=checkout.token)
    return redirect_to_payment(request, order)


def _sold_out_message(exc: InsufficientStock) -> str:
    lines = exc.extra.get("lines", [])
    names = {v.id: str(v) for v in Variant.objects.filter(id__in=[x["variant_id"] for x in lines])}
    details = "; ".join(
        f"{names.get(line['variant_id'], 'an item')}: {line['available']} left" for line in lines
    )
    return f"Some items sold out while you were checking out ({details}). Please adjust your cart."


def redirect_to_payment(request, order):
    """Start (or restart) payment for a pending order and send the shopper to the gateway."""
    return_url = reverse("orders:detail", args=[order.token])
    try:
        start = payment_services.start_payment(order_id=order.id, return_url=return_url)
    except DomainError as exc:
        logger.warning("payment start failed for order #%s: %s", order.number, exc.message)
        messages.error(request, f"We could not start the payment: {exc.message}")
        return redirect("orders:detail", token=order.token)
    return redirect(start.redirect_url)


def _render_step(request, step: str, checkout: Checkout, **context):
    summary = context.get("summary") or checkout_selectors.get_checkout_summary(checkout)
    context.update({"checkout": checkout, "summary": summary, "step": step})
    return render(request, f"storefront/checkout/{step}.html", context)
