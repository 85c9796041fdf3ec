"""Checkout steps and order placement (architecture §3, steps 2–3)."""

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from apps.cart import selectors as cart_selectors
from apps.cart.models import Cart
from apps.cart.selectors import CartView
from apps.checkout import shipping, vouchers
from apps.checkout.addresses import clean_address
from apps.checkout.exceptions import CheckoutError, EmptyCart, ShippingUnavailable
from apps.checkout.models import Checkout, ShippingMethod
from apps.checkout.selectors import get_checkout_summary
from apps.inventory import services as inventory_services
from apps.orders import events as order_events
from apps.orders.models import Order, OrderEvent, OrderLine
from apps.orders.services import record_order_event
from apps.tenants.selectors import get_current_store

logger = logging.getLogger(__name__)


def start_checkout(*, cart: Cart, user_id: int | None = None, email: str = "") -> Checkout:
    if cart_selectors.get_cart_view(cart, with_availability=False).is_empty:
        raise EmptyCart("Your cart is empty.")
    checkout, created = Checkout.objects.get_or_create(
        cart=cart, defaults={"user_id": user_id, "email": email}
    )
    if not created and user_id and checkout.user_id != user_id:
        checkout.user_id = user_id
        checkout.email = checkout.email or email
        checkout.save(update_fields=["user", "email", "updated_at"])
    return checkout


def set_contact(*, checkout: Checkout, email: str) -> Checkout:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    checkout.email = email
    checkout.save(update_fields=["email", "updated_at"])
    Cart.objects.filter(pk=checkout.cart_id).update(email=email)  # for abandoned-cart mail
    return checkout


def set_shipping_address(*, checkout: Checkout, address: dict) -> Checkout:
    checkout.shipping_address = clean_address(address)
    method = checkout.shipping_method
    if method and checkout.shipping_address["country"] not in method.zone.countries:
        checkout.shipping_method = None  # the chosen delivery no longer serves this address
    checkout.save(update_fields=["shipping_address", "shipping_method", "updated_at"])
    return checkout


def set_shipping_method(
    *, checkout: Checkout, method_id: int, cart_view: CartView | None = None
) -> Checkout:
    """``cart_view``: the checkout's cart as the caller just read it (saves reading it again)."""
    country = checkout.shipping_address.get("country", "")
    if not country:
        raise CheckoutError("Enter a shipping address first.")
    if cart_view is None or cart_view.cart is None or cart_view.cart.pk != checkout.cart_id:
        cart_view = cart_selectors.get_cart_view(checkout.cart, with_availability=False)
    method = ShippingMethod.objects.select_related("zone").filter(pk=method_id).first()
    if method is None or not shipping.method_serves(
        method, country=country, weight_grams=cart_view.weight_grams
    ):
        raise ShippingUnavailable("That delivery method does not serve your address.")
    checkout.shipping_method = method
    checkout.save(update_fields=["shipping_method", "updated_at"])
    return checkout


def apply_voucher(*, checkout: Checkout, code: str) -> Checkout:
    voucher = vouchers.find_voucher(code)
    subtotal = cart_selectors.get_cart_view(checkout.cart, with_availability=False).subtotal
    vouchers.check_voucher(voucher, subtotal=subtotal, email=checkout.email)
    checkout.voucher = voucher
    checkout.save(update_fields=["voucher", "updated_at"])
    return checkout


def remove_voucher(*, checkout: Checkout) -> Checkout:
    checkout.voucher = None
    checkout.save(update_fields=["voucher", "updated_at"])
    return checkout


def _require_ready(checkout: Checkout, summary) -> None:
    missing = []
    if not checkout.email:
        missing.append("email")
    if not checkout.shipping_address:
        missing.append("shipping address")
    if summary.shipping_method is None:
        missing.append("delivery method")
    if missing:
        raise CheckoutError(
            "Before paying, add your " + ", ".join(missing) + ".", extra={"missing": missing}
        )


@transaction.atomic
def place_order(*, checkout_id: int, user_id: int | None = None) -> Order:
    """Reserve stock and create the pending order, all lines or nothing.

    Idempotent: the order row is unique per checkout, so a double click or a retried request
    returns the order the first one made. Payment starts after this transaction commits.
    """
    checkout = (
        Checkout.objects.select_for_update(of=("self",))
        .select_related("cart", "shipping_method__zone", "voucher")
        .get(pk=checkout_id)
    )
    existing = Order.objects.filter(checkout_token=checkout.token).first()
    if existing is not None:
        return existing
    summary = get_checkout_summary(checkout, with_availability=False)  # reserve() checks stock
    if summary.cart.is_empty:
        raise EmptyCart("Your cart is empty.")
    _require_ready(checkout, summary)
    unpurchasable = [line.variant.sku for line in summary.cart.lines if not line.purchasable]
    if unpurchasable:
        raise CheckoutError(
            "Some items are no longer sold; remove them to continue.",
            extra={"skus": unpurchasable},
        )
    if summary.voucher_error:
        raise summary.voucher_error

    # Stock first: InsufficientStock (409, per-line availability) aborts everything below.
    inventory_services.reserve(
        reference=checkout.reservation_reference,
        lines=[(line.variant.id, line.quantity) for line in summary.cart.lines],
    )
    totals = summary.totals
    store = get_current_store()
    order = Order.objects.create(
        checkout_token=checkout.token,
        user_id=user_id or checkout.user_id,
        email=checkout.email,
        currency=store.currency,
        prices_include_tax=totals.prices_include_tax,
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        shipping_total=totals.shipping_total,
        tax_total=totals.tax_total,
        total=totals.total,
        shipping_address=checkout.shipping_address,
        billing_address=checkout.shipping_address,
        shipping_method_name=summary.shipping_method.name,
        voucher_code=checkout.voucher.code if checkout.voucher else "",
    )
    priced = {line.variant_id: line for line in totals.lines}
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product_name=line.variant.product.name,
            variant_name=line.variant.name,
            sku=line.variant.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=priced[line.variant.id].tax_rate,
            tax_amount=priced[line.variant.id].tax_amount,
            line_total=priced[line.variant.id].line_total,
        )
        for line in summary.cart.lines
    )
    if checkout.voucher_id:
        vouchers.redeem_voucher(
            voucher_id=checkout.voucher_id,
            order_id=order.id,
            email=checkout.email,
            subtotal=totals.subtotal,
        )
    Cart.objects.filter(pk=checkout.cart_id).update(status=Cart.Status.ORDERED)
    record_order_event(
        order_id=order.id, type=OrderEvent.Type.PLACED, data={"total": str(order.total)}
    )
    order_events.emit_order_event(order, "order.created")
    logger.info("order #%s placed (%s %s)", order.number, order.total, order.currency)
    return order


def checkout_in_one_step(
    *,
    cart: Cart,
    email: str,
    address: dict,
    shipping_method_id: int,
    voucher_code: str = "",
    user_id: int | None = None,
) -> Order:
    """The API's checkout: every step's rules in one call, then ``place_order``."""
    checkout = start_checkout(cart=cart, user_id=user_id, email=email)
    set_contact(checkout=checkout, email=email)
    set_shipping_address(checkout=checkout, address=address)
    set_shipping_method(checkout=checkout, method_id=shipping_method_id)
    if voucher_code:
        apply_voucher(checkout=checkout, code=voucher_code)
    else:
        remove_voucher(checkout=checkout)
    return place_order(checkout_id=checkout.id, user_id=user_id)
