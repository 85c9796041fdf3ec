"""Checkout steps and order placement (architecture §3, steps 2–3)."""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from apps.cart import selectors as cart_selectors
from apps.cart.models import Cart, CartLine
from apps.cart.selectors import CartView
from apps.checkout import shipping, vouchers
from apps.checkout.addresses import clean_address
from apps.checkout.exceptions import CheckoutError, EmptyCart, ShippingUnavailable
from apps.checkout.models import Checkout
from apps.checkout.selectors import get_checkout_summary
from apps.inventory import services as inventory_services
from apps.orders import events as order_events
from apps.orders.models import Order, OrderEvent, OrderLine
from apps.orders.services import record_order_event
from apps.payments import services as payment_services
from apps.payments.models import Payment
from apps.tenants.selectors import get_current_store

logger = logging.getLogger(__name__)


# Does the cart have lines, and its checkout (if any): one plain statement (the ORM's
# Exists/Subquery annotation cost more CPU to build than to run).
_CART_STATE_SQL = f"""
SELECT EXISTS (SELECT 1 FROM {CartLine._meta.db_table} l WHERE l.cart_id = c.id),
       (SELECT k.id FROM {Checkout._meta.db_table} k WHERE k.cart_id = c.id LIMIT 1)
FROM {Cart._meta.db_table} c WHERE c.id = %s
"""


def start_checkout(*, cart: Cart, user_id: int | None = None, email: str = "") -> Checkout:
    with connection.cursor() as cursor:
        cursor.execute(_CART_STATE_SQL, [cart.pk])
        found = cursor.fetchone()
    if not found or not found[0]:
        raise EmptyCart("Your cart is empty.")
    checkout = Checkout.objects.get(pk=found[1]) if found[1] else None
    if checkout is None:
        try:
            # Alone (autocommit), the INSERT is its own transaction; in a caller's transaction,
            # a savepoint keeps a lost race from breaking it.
            if not connection.in_atomic_block:
                return Checkout.objects.create(cart=cart, user_id=user_id, email=email)
            with transaction.atomic():
                return Checkout.objects.create(cart=cart, user_id=user_id, email=email)
        except IntegrityError:  # a concurrent request (double click) created it first
            checkout = Checkout.objects.get(cart=cart)
    if user_id and checkout.user_id != user_id:
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
    method = shipping.get_active_method(checkout.shipping_method_id)  # type: ignore[arg-type]
    if method is None or checkout.shipping_address["country"] not in method.zone.countries:
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
    method = shipping.get_active_method(method_id)
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


def _lock_checkout(checkout_id: int) -> Checkout:
    """Lock the checkout row; ``placed_order_id`` tells whether it already made its order."""
    return (
        Checkout.objects.select_for_update(of=("self",))
        .select_related("cart", "voucher")
        .annotate(
            placed_order_id=Subquery(
                Order.objects.filter(checkout_token=OuterRef("token")).values("id")[:1]
            )
        )
        .get(pk=checkout_id)
    )


@transaction.atomic
def place_order(*, checkout_id: int, user_id: int | None = None) -> Order:
    """Reserve stock and create the pending order, all lines or nothing.

    Idempotent: the order row is unique per checkout, so a double click or a retried request
    returns the order the first one made. Payment starts after this transaction commits.
    """
    checkout = _lock_checkout(checkout_id)
    if checkout.placed_order_id is not None:  # type: ignore[attr-defined]
        return Order.objects.get(pk=checkout.placed_order_id)  # type: ignore[attr-defined]
    if not _take_cart(checkout):
        return _order_of_taken_cart(checkout)
    return _place_order_for_taken_cart(checkout, user_id=user_id)


def _order_of_taken_cart(checkout: Checkout) -> Order:
    """The order a concurrent submission made while we waited for the cart's lock (read by a
    new statement, which sees what it committed)."""
    placed = Order.objects.filter(checkout_token=checkout.token).first()
    if placed is None:
        raise CheckoutError("This cart has changed since checkout began; check it again.")
    return placed


@dataclass(frozen=True)
class Submission:
    """What the one-page checkout made: the order, and its pending payment (None when the
    order was placed before, or has nothing to pay)."""

    order: Order
    payment: Payment | None


@transaction.atomic
def submit_checkout(
    *,
    checkout: Checkout,
    email: str,
    address: dict,
    shipping_method_id: int,
    voucher_code: str = "",
    user_id: int | None = None,
    payment_return_url: Callable[[Order], str] | None = None,
) -> Submission:
    """The one-page checkout: save the shopper's answers, place the order and open its payment,
    in one transaction — every step's rules apply, or nothing is saved. ``checkout``: as the
    caller read it (unlocked; only its identity and cart are used).

    Raises ValidationError (email, address fields), ShippingUnavailable, InvalidVoucher,
    CheckoutError, EmptyCart or InsufficientStock. Idempotent like ``place_order``: a repeated
    submission returns the order the first one made. ``payment_return_url(order)``: where the
    shopper lands after paying; with it, the order's pending payment is created here too.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    code = (voucher_code or "").strip()
    voucher = vouchers.find_voucher(code) if code else None
    checkout.email = email
    checkout.shipping_address = address
    checkout.shipping_method_id = shipping_method_id
    checkout.voucher = voucher
    # The cart row is the lock: checkout and cart are one to one, and add-to-cart takes it too,
    # so the lines read below are the lines ordered. A cart no longer open has been ordered
    # (by an earlier submission: return its order) or merged into a customer's cart.
    if not _take_cart_and_save_answers(checkout):
        return Submission(order=_order_of_taken_cart(checkout), payment=None)
    order = _place_order_for_taken_cart(checkout, user_id=user_id, strict=True)
    payment = None
    if payment_return_url is not None and order.total > 0:
        payment = payment_services.open_payment_for_new_order(
            order=order, return_url=payment_return_url(order)
        )
    return Submission(order=order, payment=payment)


# _take_cart and saving the checkout's answers, in one statement: the checkout row is written
# only if the cart was taken.
_TAKE_CART_AND_SAVE_ANSWERS_SQL = f"""
WITH taken AS (
    UPDATE {Cart._meta.db_table} SET status = %(ordered)s, email = %(email)s
    WHERE id = %(cart)s AND status = %(open)s
    RETURNING id
)
UPDATE {Checkout._meta.db_table}
SET email = %(email)s, shipping_address = %(address)s::jsonb,
    shipping_method_id = %(method)s, voucher_id = %(voucher)s, updated_at = %(now)s
WHERE id = %(checkout)s AND EXISTS (SELECT 1 FROM taken)
RETURNING id
"""


def _take_cart_and_save_answers(checkout: Checkout) -> bool:
    """``_take_cart`` and save the checkout's email, address, method and voucher, together."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKE_CART_AND_SAVE_ANSWERS_SQL,
            {
                "ordered": Cart.Status.ORDERED.value,
                "open": Cart.Status.OPEN.value,
                "cart": checkout.cart_id,
                "checkout": checkout.id,
                "email": checkout.email,
                "address": json.dumps(checkout.shipping_address),
                "method": checkout.shipping_method_id,
                "voucher": checkout.voucher_id,
                "now": now,
            },
        )
        taken = cursor.fetchone() is not None
    if taken:
        checkout.updated_at = now
        checkout.cart.status = Cart.Status.ORDERED
    return taken


def _take_cart(checkout: Checkout) -> bool:
    """Mark the checkout's cart ordered, if it is still open; this locks its row until the
    transaction ends. The shopper's next cart is a new one."""
    return bool(
        Cart.objects.filter(pk=checkout.cart_id, status=Cart.Status.OPEN).update(
            status=Cart.Status.ORDERED, email=checkout.email or F("email")
        )
    )


def _place_order_for_taken_cart(
    checkout: Checkout, *, user_id: int | None, strict: bool = False
) -> Order:
    """Place the order of a checkout whose cart this transaction has taken (``_take_cart``).
    ``strict``: say precisely when the chosen delivery method does not serve the address."""
    cart_view = cart_selectors.get_cart_view(checkout.cart, with_availability=False)
    # reserve() checks stock, so availability is not read here.
    summary = get_checkout_summary(checkout, cart_view=cart_view)
    if strict and checkout.shipping_method_id and summary.shipping_method is None:
        raise ShippingUnavailable("That delivery method does not serve your address.")
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
        shipping_method_name=summary.shipping_method.name,  # type: ignore[union-attr]
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
