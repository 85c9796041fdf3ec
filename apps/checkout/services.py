"""Checkout steps and order placement (architecture §3, steps 2–3).

``place_order`` is the one entry point that places orders: the storefront's one-page checkout,
the REST API, the demo seeder and the tests all go through it, with one lock protocol (the
cart row, ``cart_services.take_cart_for_order``) in one transaction. The order itself is
written by the orders app (``order_services.create_order``) from the draft priced here.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django_countries import countries

from apps.cart import selectors as cart_selectors
from apps.cart import services as cart_services
from apps.cart.models import Cart, CartLine
from apps.cart.selectors import CartView
from apps.checkout import pricing, shipping, standard_rates, vouchers
from apps.checkout.addresses import clean_address
from apps.checkout.exceptions import CheckoutError, EmptyCart, ShippingUnavailable
from apps.checkout.models import CartGiftCard, Checkout, ShippingMethod, ShippingZone, TaxRate
from apps.checkout.selectors import CheckoutSummary, get_checkout_summary, list_shipping_rates
from apps.observability import metrics
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.payments import services as payment_services
from apps.payments.exceptions import GiftCardRefused
from apps.payments.models import Payment
from apps.tenants.selectors import get_current_store

logger = logging.getLogger(__name__)


def start_checkout(*, cart: Cart, user_id: int | None = None, email: str = "") -> Checkout:
    """The cart's checkout, created on first use. Raises EmptyCart."""
    if not CartLine.objects.filter(cart_id=cart.pk).exists():
        raise EmptyCart("Your cart is empty.")
    checkout = Checkout.objects.filter(cart_id=cart.pk).first()
    if checkout is None:
        metrics.checkouts_started.inc()
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
    method_id = checkout.shipping_method_id
    method = shipping.get_active_method(method_id) if method_id is not None else None
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
    cart_view = cart_selectors.get_cart_view(checkout.cart, with_availability=False)
    vouchers.check_voucher(
        voucher, subtotal=cart_view.subtotal, email=checkout.email, market=cart_view.market
    )
    checkout.voucher = voucher
    checkout.save(update_fields=["voucher", "updated_at"])
    return checkout


def remove_voucher(*, checkout: Checkout) -> Checkout:
    checkout.voucher = None
    checkout.save(update_fields=["voucher", "updated_at"])
    return checkout


def _require_ready(checkout: Checkout, summary: CheckoutSummary) -> None:
    missing = []
    if not checkout.email:
        missing.append("email")
    if not checkout.shipping_address:
        missing.append("shipping address")
    if summary.shipping_method is None and summary.cart.requires_shipping:
        missing.append("delivery method")
    if missing:
        raise CheckoutError(
            "Before paying, add your " + ", ".join(missing) + ".", extra={"missing": missing}
        )


@dataclass(frozen=True)
class CheckoutAnswers:
    """What the shopper enters on the one-page checkout (or an API client sends)."""

    email: str
    address: dict
    # None: the cheapest method that serves the address (``selectors.list_shipping_rates``).
    shipping_method_id: int | None
    voucher_code: str = ""


@dataclass(frozen=True)
class PlacedOrder:
    """What ``place_order`` made: the order, and its pending payment (None when the order was
    placed before, has nothing to pay, or no payment was asked for)."""

    order: Order
    payment: Payment | None


@transaction.atomic
def place_order(
    *,
    checkout: Checkout,
    user_id: int | None = None,
    answers: CheckoutAnswers | None = None,
    payment_return_url: Callable[[Order], str] | None = None,
    spend_gift_cards: bool = False,
) -> PlacedOrder:
    """Place the checkout's order: reserve its stock and write the pending order, all lines or
    nothing, in one transaction. ``checkout``: as the caller read it (``selectors.get_checkout``);
    only its identity and cart are relied on.

    ``answers``: save the shopper's email, address, delivery method and voucher first — every
    step's rules apply, or nothing is saved (without them, the checkout's saved answers are
    used). ``payment_return_url(order)``: where the shopper lands after paying; with it, the
    order's pending payment is opened in the same transaction. ``spend_gift_cards``: the
    cards applied to the cart (``apply_gift_card_to_cart``, the API) pay first, in this
    transaction.

    Idempotent: the cart row is the lock (checkout and cart are one to one, and add-to-cart
    takes it too), so a double click, a retried request or ten concurrent ones make one order;
    the others return it. Raises ValidationError (email, address fields), ShippingUnavailable,
    InvalidVoucher, CheckoutError, EmptyCart or InsufficientStock.
    """
    if answers is not None:
        _apply_answers(checkout, answers)
    else:  # the answers as saved now, not as the caller read them
        checkout = Checkout.objects.select_related("cart", "voucher").get(pk=checkout.pk)
    # A cart no longer open has been ordered (by an earlier submission: return its order) or
    # merged into a customer's cart.
    if not cart_services.take_cart_for_order(cart_id=checkout.cart_id, email=checkout.email):
        return PlacedOrder(order=_order_of_taken_cart(checkout), payment=None)
    if answers is not None:
        if answers.shipping_method_id is None:
            # Chosen now that the cart is ours: the basket priced is the basket ordered.
            checkout.shipping_method = _cheapest_method(checkout)  # None: nothing to ship
        checkout.save(
            update_fields=["email", "shipping_address", "shipping_method", "voucher", "updated_at"]
        )
    order = _create_order(checkout, user_id=user_id, strict=answers is not None)
    if spend_gift_cards and order.total > 0:
        applied = list(
            CartGiftCard.objects.filter(cart_id=checkout.cart_id).values_list(
                "gift_card_id", flat=True
            )
        )
        if applied:
            payment_services.spend_gift_cards_on_new_order(order=order, card_ids=applied)
            order.refresh_from_db()
    payment = None
    if payment_return_url is not None and order.total > 0 and order.paid_at is None:
        payment = payment_services.open_payment_for_new_order(
            order=order, return_url=payment_return_url(order)
        )
    return PlacedOrder(order=order, payment=payment)


def apply_gift_card_to_cart(*, cart: Cart, code: str, identity: str) -> CartGiftCard:
    """Apply a gift card to an open cart (the API's checkout): spent on the order placed from
    it. Code entry is throttled per ``identity``. Raises GiftCardRefused (unknown, disabled,
    expired, empty or another currency), GiftCardAttemptsExceeded."""
    card = payment_services.find_gift_card(code=code, identity=identity)
    # Gift cards are in the store's currency; a cart priced in a market's cannot spend them.
    currency = cart.currency or get_current_store().currency
    if card.currency != currency:
        raise GiftCardRefused(f"This gift card is in {card.currency}, the cart in {currency}.")
    applied, _ = CartGiftCard.objects.get_or_create(cart=cart, gift_card=card)
    return applied


def remove_gift_card_from_cart(*, cart: Cart, gift_card_id: int) -> bool:
    """Take a gift card off the cart; False if it was not on it."""
    removed, _ = CartGiftCard.objects.filter(cart=cart, gift_card_id=gift_card_id).delete()
    return bool(removed)


def _apply_answers(checkout: Checkout, answers: CheckoutAnswers) -> None:
    """Check the answers and set them on ``checkout`` (saved by the caller once it holds the
    cart). Raises ValidationError or InvalidVoucher before anything is written."""
    email = (answers.email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    address = clean_address(answers.address)
    code = (answers.voucher_code or "").strip()
    checkout.email = email
    checkout.shipping_address = address
    checkout.shipping_method_id = answers.shipping_method_id
    checkout.voucher = vouchers.find_voucher(code) if code else None


def _cheapest_method(checkout: Checkout) -> ShippingMethod | None:
    """The cheapest delivery method serving the checkout's address and basket (None for a
    basket of gift cards only: nothing is shipped)."""
    cart_view = cart_selectors.get_cart_view(checkout.cart, with_availability=False)
    if not cart_view.requires_shipping:
        return None
    rates = list_shipping_rates(
        cart_view=cart_view, country=checkout.shipping_address.get("country", "")
    )
    if not rates:
        raise ShippingUnavailable(
            "No delivery method serves this address.",
            extra={"country": checkout.shipping_address.get("country", "")},
        )
    return rates[0].method


def _order_of_taken_cart(checkout: Checkout) -> Order:
    """The order a concurrent submission made while we waited for the cart's lock."""
    placed = order_services.get_order_of_checkout(checkout_token=checkout.token)
    if placed is None:
        raise CheckoutError("This cart has changed since checkout began; check it again.")
    return placed


def _create_order(checkout: Checkout, *, user_id: int | None, strict: bool) -> Order:
    """Price the checkout's lines now and hand the order to the orders app; redeem the voucher.
    ``strict``: say precisely when the chosen delivery method does not serve the address."""
    cart_view = cart_selectors.get_cart_view(checkout.cart, with_availability=False)
    # create_order reserves the stock, which checks it, so availability is not read here.
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
    order = order_services.create_order(draft=_draft(checkout, summary, user_id=user_id))
    if checkout.voucher_id:
        market = summary.cart.market
        vouchers.redeem_voucher(
            voucher_id=checkout.voucher_id,
            order_id=order.id,
            email=checkout.email,
            # The voucher's minimum is in the store's currency: compare like with like.
            subtotal=market.to_base(summary.totals.subtotal) if market else summary.totals.subtotal,
        )
    return order


def _draft(
    checkout: Checkout, summary: CheckoutSummary, *, user_id: int | None
) -> order_services.OrderDraft:
    totals = summary.totals
    priced = {line.variant_id: line for line in totals.lines}
    market = summary.cart.market
    base_currency = get_current_store().currency
    return order_services.OrderDraft(
        checkout_token=checkout.token,
        user_id=user_id or checkout.user_id,
        email=checkout.email,
        currency=market.currency if market else base_currency,
        base_currency=base_currency,
        exchange_rate=market.rate if market else Decimal("1"),
        rate_source=market.rate_source if market else "",
        rate_updated_at=market.rate_updated_at if market else None,
        prices_include_tax=totals.prices_include_tax,
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        shipping_total=totals.shipping_total,
        tax_total=totals.tax_total,
        total=totals.total,
        shipping_address=checkout.shipping_address,
        billing_address=checkout.shipping_address,
        # None only for gift cards alone (_require_ready): nothing to ship.
        shipping_method_name=summary.shipping_method.name if summary.shipping_method else "",
        voucher_code=checkout.voucher.code if checkout.voucher else "",
        lines=tuple(
            order_services.OrderLineDraft(
                variant=line.variant,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=priced[line.variant.id].tax_rate,
                tax_amount=priced[line.variant.id].tax_amount,
                line_total=priced[line.variant.id].line_total,
                is_gift_card=line.is_gift_card,
                gift_card=dict(line.line.gift_card) if line.is_gift_card else {},
                discounts=_discount_drafts(priced[line.variant.id].allocations),
            )
            for line in summary.cart.lines
        ),
        shipping_discounts=_discount_drafts(totals.shipping_allocations),
    )


def _discount_drafts(
    allocations: tuple[pricing.Allocation, ...],
) -> tuple[order_services.DiscountDraft, ...]:
    return tuple(
        order_services.DiscountDraft(
            source=a.source, source_id=a.source_id, label=a.label, amount=a.amount
        )
        for a in allocations
    )


@transaction.atomic
def checkout_in_one_step(
    *,
    cart: Cart,
    answers: CheckoutAnswers,
    user_id: int | None = None,
) -> Order:
    """The API's checkout: open (or reuse) the cart's checkout and place its order with the
    client's answers, in one transaction — a failure leaves no half-built checkout."""
    checkout = start_checkout(cart=cart, user_id=user_id, email=answers.email)
    return place_order(
        checkout=checkout, user_id=user_id, answers=answers, spend_gift_cards=True
    ).order


@transaction.atomic
def create_default_checkout_rules(*, country: str) -> None:
    """A new store's checkout rules for its own country, each only if the store lacks it
    (idempotent): a shipping zone with one flat rate (``standard_rates``), and the country's
    standard tax rate or an explicit 0 % "No tax" rate where there is no single national one.
    """
    country = country.upper()
    if not ShippingZone.objects.filter(countries__contains=[country]).exists():
        zone = ShippingZone.objects.create(
            name=countries.name(country) or country, countries=[country]
        )
        ShippingMethod.objects.create(
            zone=zone,
            name=standard_rates.DEFAULT_SHIPPING_METHOD,
            kind=ShippingMethod.Kind.FLAT,
            price=standard_rates.DEFAULT_SHIPPING_PRICE,
        )
    if not TaxRate.objects.filter(country=country).exists():
        name, rate = standard_rates.STANDARD_TAX_RATES.get(
            country, (standard_rates.NO_TAX_NAME, Decimal("0"))
        )
        TaxRate.objects.create(country=country, name=name, rate=rate)
