"""The one-page checkout: contact, shipping address, delivery, voucher and totals on one page.

Works without JavaScript: "Update" saves what is valid and re-renders the delivery options and
totals (for a changed country, say); "Continue to payment" validates everything, reserves the
stock and places the pending order with its payment in one transaction, then hands over to
the payment gateway. The old step URLs redirect to the page.
"""

import copy
import logging
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.cart import selectors as cart_selectors
from apps.catalog.models import Variant
from apps.checkout import address_book, shipping
from apps.checkout import selectors as checkout_selectors
from apps.checkout import services as checkout_services
from apps.checkout.exceptions import InvalidVoucher, ShippingUnavailable
from apps.checkout.models import Checkout, SavedAddress
from apps.core.exceptions import DomainError
from apps.inventory.exceptions import InsufficientStock
from apps.payments import services as payment_services
from apps.storefront import markets
from apps.storefront.carts import CART_COOKIE, current_cart
from apps.storefront.checkout_forms import (
    ADDRESS_FIELDS,
    NEW_ADDRESS,
    CheckoutForm,
    VoucherForm,
)
from apps.storefront.http import post_only

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


@post_only("cart:detail")
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
    return redirect("checkout:page", token=checkout.token)


def checkout_step(request, token):
    """The old step pages (contact, shipping address, delivery, review) are sections of the
    one checkout page now: bookmarks and open tabs land there."""
    return redirect("checkout:page", token=token)


@require_http_methods(["GET", "POST"])
def checkout_page(request, token):
    """The one-page checkout. "Continue to payment" validates everything, reserves the stock
    and places the pending order in one POST; "Update" saves what is valid and shows the
    delivery options and totals for it."""
    checkout = _get_checkout(request, token)
    saved = _saved_addresses(request)
    post = _with_saved_address(request, request.POST) if request.method == "POST" else None
    paying = post is not None and post.get("action") not in UPDATE_ACTIONS
    if paying:
        # Placing the order reads the cart itself, under its lock; the form only needs to
        # know which methods serve the country (the service re-checks weight and prices).
        country = str(post.get("country", "")).strip().upper()
        methods = shipping.list_methods_for_country(country) if country else []
        form = CheckoutForm(
            post,
            options=[{"method": m, "price": m.price} for m in methods],
            currency="",
            saved_addresses=saved,
            # A posted delivery method: something to ship (no read of the cart needed).
            requires_shipping=bool(post.get("method")) or _requires_shipping(checkout),
        )
        if form.is_valid():
            response = _submit(request, checkout, form)
            if response is not None:
                return response
        errors = form.errors
    else:
        # No currency chosen in the header: the shipping country's market prices the cart
        # (never while paying: the order is placed in the currency the page showed).
        known = post.get("country", "") if post is not None else ""
        country = str(known or checkout.shipping_address.get("country", "")).strip().upper()
        markets.sync_cart(request, checkout.cart, country=country)
    cart_view = cart_selectors.get_cart_view(checkout.cart, with_availability=False)
    if cart_view.is_empty:
        messages.error(request, "Your cart is empty.")
        return redirect("cart:detail")
    initial_address = _initial_address(request, checkout, saved)
    if post is not None:
        country = str(post.get("country", "")).strip().upper()
    else:
        country = initial_address.get("country") or request.store.country
    options = (
        shipping.list_options(
            country=country,
            subtotal=cart_view.subtotal,
            weight_grams=cart_view.weight_grams,
            market=cart_view.market,
        )
        if cart_view.requires_shipping
        else []
    )
    form = CheckoutForm(
        post,
        options=options,
        currency=cart_view.currency or request.store.currency,
        saved_addresses=saved,
        requires_shipping=cart_view.requires_shipping,
        initial=_initial(request, checkout, options, initial_address),
    )
    if paying:
        form.is_valid()
        for field, messages_ in errors.items():  # the submission's own errors come along
            for message in messages_:
                if message not in form.errors.get(field, []):
                    form.add_error(field if field != "__all__" else None, message)
    elif request.method == "POST":
        return _update(request, checkout, form, cart_view)
    return _render_page(request, checkout, form, cart_view)


UPDATE_ACTIONS = ("update", "remove_voucher")


def _requires_shipping(checkout: Checkout) -> bool:
    """False for a cart of gift cards only (they are emailed: no delivery method)."""
    return cart_selectors.get_cart_view(checkout.cart, with_availability=False).requires_shipping


def _saved_addresses(request) -> list[SavedAddress] | None:
    """The signed-in customer's address book (None for a guest)."""
    if not request.user.is_authenticated:
        return None
    return address_book.list_addresses(user_id=request.user.id)


def _with_saved_address(request, data):
    """The submitted data with the chosen saved address in the address fields (a saved address
    wins over what the fields hold). Another customer's address id is a 404."""
    choice = str(data.get("saved_address", ""))
    if not choice or choice == NEW_ADDRESS or not request.user.is_authenticated:
        return data
    try:
        address = address_book.get_address_for_user(user_id=request.user.id, address_id=int(choice))
    except (ValueError, SavedAddress.DoesNotExist) as exc:
        raise Http404("No such address") from exc
    data = data.copy()
    for name, value in address.as_dict().items():
        data[name] = value
    return data


def _initial_address(request, checkout: Checkout, saved: list[SavedAddress] | None) -> dict:
    """The address the page starts with: the checkout's own, else the customer's default
    shipping address (chosen for them: a returning customer pays in one click)."""
    if checkout.shipping_address:
        chosen = next((a for a in saved or [] if a.as_dict() == checkout.shipping_address), None)
        return {
            **checkout.shipping_address,
            "saved_address": str(chosen.pk) if chosen else NEW_ADDRESS,
        }
    default = next((a for a in saved or [] if a.is_default_shipping), None)
    if default is not None:
        return {**default.as_dict(), "saved_address": str(default.pk)}
    return {"country": request.store.country, "saved_address": NEW_ADDRESS}


def _initial(request, checkout: Checkout, options: list[dict], address: dict) -> dict:
    method_ids = [o["method"].id for o in options]
    method = checkout.shipping_method_id if checkout.shipping_method_id in method_ids else None
    return {
        **address,
        "email": checkout.email or (request.user.email if request.user.is_authenticated else ""),
        # The cheapest method is chosen for the shopper until they pick another.
        "method": method or (method_ids[0] if method_ids else None),
        "voucher": checkout.voucher.code if checkout.voucher else "",
    }


def _submit(request, checkout: Checkout, form: CheckoutForm):
    """Place the order; None (with errors added to the form) when it cannot be placed."""
    data = form.cleaned_data
    try:
        submission = checkout_services.place_order(
            checkout=checkout,
            user_id=_user_id(request),
            answers=checkout_services.CheckoutAnswers(
                email=data["email"],
                address=form.address(),
                shipping_method_id=data["method"],
                voucher_code=data.get("voucher", ""),
            ),
            payment_return_url=lambda order: reverse("orders:detail", args=[order.token]),
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    except InsufficientStock as exc:
        messages.error(request, _sold_out_message(exc))
        return redirect("cart:detail")
    except (ShippingUnavailable, InvalidVoucher) as exc:
        form.add_error("method" if isinstance(exc, ShippingUnavailable) else "voucher", exc.message)
        return None
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    if data.get("save_address") and data.get("saved_address") in ("", NEW_ADDRESS, None):
        address_book.remember_address(user_id=request.user.id, address=form.address())
    if submission.payment is None:  # placed before, or nothing to pay: the general path
        return redirect_to_payment(request, submission.order)
    try:
        start = payment_services.start_opened_payment(payment=submission.payment)
    except DomainError as exc:
        order = submission.order
        logger.warning("payment start failed for order #%s: %s", order.number, exc.message)
        messages.error(request, f"We could not start the payment: {exc.message}")
        return redirect("orders:detail", token=order.token)
    return redirect(start.redirect_url)


def _update(request, checkout: Checkout, form: CheckoutForm, cart_view):
    """Save each section that is valid; show errors only for what the shopper filled in."""
    form.is_valid()
    data, errors = form.cleaned_data, form.errors
    if "email" not in errors:
        checkout_services.set_contact(checkout=checkout, email=data["email"])
    if not any(field in errors for field in ADDRESS_FIELDS):
        checkout_services.set_shipping_address(checkout=checkout, address=form.address())
    if data.get("method") and checkout.shipping_address:
        try:
            checkout_services.set_shipping_method(
                checkout=checkout, method_id=data["method"], cart_view=cart_view
            )
        except DomainError:
            pass  # the country changed: the shopper picks from the new options
    code = data.get("voucher", "")
    if request.POST.get("action") == "remove_voucher" or (not code and checkout.voucher_id):
        checkout_services.remove_voucher(checkout=checkout)
    elif code and (checkout.voucher is None or checkout.voucher.code != code.upper()):
        try:
            checkout_services.apply_voucher(checkout=checkout, code=code)
        except DomainError as exc:
            form.add_error("voucher", exc.message)
    address_saved = not any(field in errors for field in ADDRESS_FIELDS)
    for name in list(errors):
        # No reproach for a field left for later, nor for a delivery method the new country
        # does not offer: the shopper picks from the options shown now.
        if name == "method" or (name != "voucher" and not request.POST.get(name)):
            del errors[name]
    if errors or not address_saved:
        # Show the page as submitted: the delivery options of the country chosen, say.
        return _render_page(request, checkout, form, cart_view)
    return redirect("checkout:page", token=checkout.token)


def _render_page(request, checkout: Checkout, form: CheckoutForm, cart_view):
    # Totals as the page stands: before the shopper saves an address, the country and the
    # delivery method preselected for them count.
    shown = copy.copy(checkout)
    values = form.data if form.is_bound else form.initial
    country = str(values.get("country") or "")
    if country and country.upper() != shown.shipping_address.get("country"):
        shown.shipping_address = {"country": country.upper()}
    method = str(values.get("method") or "")
    shown.shipping_method_id = int(method) if method.isdigit() else checkout.shipping_method_id
    summary = checkout_selectors.get_checkout_summary(shown, cart_view=cart_view)
    if summary.voucher_error:
        messages.error(request, summary.voucher_error.message)
    context = {
        "checkout": checkout,
        "cart_header": {"count": cart_view.item_count},  # from the lines shown
        "summary": summary,
        "form": form,
        "contact_fields": [form.field_row("email")],
        "address_fields": [form.field_row(name) for name in ADDRESS_FIELDS],
        "voucher_field": form.field_row("voucher"),
        "requires_shipping": cart_view.requires_shipping,
    }
    return render(request, "storefront/checkout/page.html", context)


@post_only("checkout:page")
def checkout_voucher(request, token):
    checkout = _get_checkout(request, token)
    if request.POST.get("remove"):
        checkout_services.remove_voucher(checkout=checkout)
        messages.success(request, "Voucher removed.")
        return redirect("checkout:page", token=checkout.token)
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
    return redirect("checkout:page", token=checkout.token)


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
