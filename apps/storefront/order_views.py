from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.checkout.addresses import format_address
from apps.core import throttling
from apps.core.exceptions import DomainError
from apps.orders import selectors as order_selectors
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.storefront.checkout_forms import OrderLookupForm, ReturnRequestForm
from apps.storefront.checkout_views import redirect_to_payment
from apps.storefront.http import post_only

RETURNABLE = (Order.Status.PARTIALLY_FULFILLED, Order.Status.FULFILLED, Order.Status.DELIVERED)


def _get_order(token) -> Order:
    try:
        return order_selectors.get_order_by_token(token=token)
    except (Order.DoesNotExist, ValidationError) as exc:
        raise Http404("No such order") from exc


def order_detail(request, token):
    """Confirmation and tracking page; the unguessable token is the shopper's key to it."""
    try:
        page = order_selectors.get_order_page(token=token)
    except Order.DoesNotExist as exc:
        raise Http404("No such order") from exc
    order = page.order
    return render(
        request,
        "storefront/orders/detail.html",
        {
            "order": order,
            "page": page,
            "address_lines": format_address(order.shipping_address),
            "can_return": order.status in RETURNABLE,
            # What paid it, one entry per payment (a gift card and a card, say).
            "payments": order_selectors.list_order_payments(order) if order.paid_at else [],
        },
    )


@post_only("orders:detail")
def order_pay(request, token):
    order = _get_order(token)
    if order.status != Order.Status.PENDING:
        messages.info(request, "This order needs no payment.")
        return redirect("orders:detail", token=order.token)
    return redirect_to_payment(request, order)


@require_http_methods(["GET", "POST"])
def order_return(request, token):
    order = _get_order(token)
    if order.status not in RETURNABLE:
        messages.error(request, "Only shipped orders can be returned.")
        return redirect("orders:detail", token=order.token)
    lines = [line for line in order.lines.all() if line.quantity_fulfilled > line.quantity_returned]
    form = ReturnRequestForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            order_services.request_return(
                order_id=order.id, lines=form.requested_lines(), reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Return requested. We will email you when it is approved.")
            return redirect("orders:detail", token=order.token)
    return render(request, "storefront/orders/return.html", {"order": order, "form": form})


ORDER_LOOKUPS = throttling.Limit(
    "order-lookup", settings.ORDER_LOOKUPS_PER_IP, settings.ORDER_LOOKUP_WINDOW_SECONDS
)

LOOKUPS_EXHAUSTED = (
    "Too many lookups from your network. Please wait a few minutes, or use the link in your "
    "confirmation email."
)


@require_http_methods(["GET", "POST"])
def order_lookup(request):
    """Guests find an order with its number and the email it was placed with."""
    form = OrderLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not throttling.count_hit(ORDER_LOOKUPS, throttling.client_ip(request)):
            # Order numbers are sequential: without a brake, emails could be tried in bulk.
            form.add_error(None, LOOKUPS_EXHAUSTED)
            return throttling.refused_page(
                request, "storefront/orders/lookup.html", {"form": form}, ORDER_LOOKUPS
            )
        try:
            order = order_selectors.get_order_for_lookup(
                number=form.cleaned_data["number"], email=form.cleaned_data["email"]
            )
        except Order.DoesNotExist:
            form.add_error(None, "No order matches that number and email.")
        else:
            return redirect("orders:detail", token=order.token)
    return render(request, "storefront/orders/lookup.html", {"form": form})
