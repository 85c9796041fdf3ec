from dataclasses import dataclass
from decimal import Decimal

from apps.cart import selectors as cart_selectors
from apps.cart.models import Cart
from apps.cart.selectors import CartView
from apps.checkout import pricing, promotions, shipping, sql, vouchers
from apps.checkout.exceptions import InvalidVoucher
from apps.checkout.models import CartGiftCard, Checkout, ShippingMethod, Voucher
from apps.checkout.pricing import Totals
from apps.core import raw_rows
from apps.tenants.selectors import get_current_store


@dataclass(frozen=True)
class CheckoutSummary:
    checkout: Checkout
    cart: CartView
    shipping_options: list[dict]
    shipping_method: ShippingMethod | None
    voucher: Voucher | None
    voucher_error: InvalidVoucher | None
    totals: Totals


def get_checkout(*, token) -> Checkout:
    """The checkout with this token, its cart and voucher loaded. Raises Checkout.DoesNotExist
    (also for a malformed token: a URL's token is shopper input)."""
    row = raw_rows.fetch_by_token(Checkout, sql.checkout_row_by_token, token)
    checkout, cart, voucher = raw_rows.split(row, Checkout, Cart, Voucher)
    checkout.cart = cart
    checkout.voucher = voucher if checkout.voucher_id is not None else None  # LEFT JOIN
    return checkout


def get_checkout_summary(
    checkout: Checkout, *, with_availability: bool = True, cart_view: CartView | None = None
) -> CheckoutSummary:
    """Everything the checkout page shows, priced from the catalog now.

    ``with_availability=False``: the cart lines' ``available`` is not read (placing the order
    asks the inventory service itself). ``cart_view``: the checkout's cart as the caller just
    read it.
    """
    if cart_view is None:
        cart_view = cart_selectors.get_cart_view(checkout.cart, with_availability=with_availability)
    country = checkout.shipping_address.get("country", "")
    options = (
        shipping.list_options(
            country=country,
            subtotal=cart_view.subtotal,
            weight_grams=cart_view.weight_grams,
            market=cart_view.market,
        )
        if country and cart_view.requires_shipping  # gift cards alone: nothing to ship
        else []
    )
    method = next(
        (o["method"] for o in options if o["method"].id == checkout.shipping_method_id), None
    )
    voucher, voucher_error = checkout.voucher, None
    if voucher is not None:
        try:
            vouchers.check_voucher(
                voucher, subtotal=cart_view.subtotal, email=checkout.email, market=cart_view.market
            )
        except InvalidVoucher as exc:
            voucher_error = exc
    shipping_total = next((o["price"] for o in options if o["method"] is method), Decimal("0"))
    store = get_current_store()
    totals = pricing.compute_totals(
        lines=pricing_lines(cart_view),
        promotions=promotions.rules_for(line.variant.product_id for line in cart_view.lines),
        voucher=voucher if voucher_error is None else None,
        shipping=shipping_total,
        tax_rate=pricing.tax_rate_for(country or store.country),
        prices_include_tax=store.prices_include_tax,
        market=cart_view.market,
    )
    if voucher is not None and totals.voucher_blocked_by:
        voucher_error = InvalidVoucher(
            f"Voucher {voucher.code} cannot be combined with the promotion "
            f"“{totals.voucher_blocked_by}”; remove the voucher to continue.",
            extra={"promotion": totals.voucher_blocked_by},
        )
    return CheckoutSummary(
        checkout=checkout,
        cart=cart_view,
        shipping_options=options,
        shipping_method=method,
        voucher=voucher,
        voucher_error=voucher_error,
        totals=totals,
    )


@dataclass(frozen=True)
class ShippingRate:
    """A delivery method serving an address, priced for a basket, with the order's totals."""

    method: ShippingMethod
    price: Decimal
    tax_total: Decimal
    total: Decimal


def pricing_lines(cart_view: CartView) -> list[pricing.PricingLine]:
    """The cart's lines as pricing reads them (what promotions target comes with them)."""
    return [
        pricing.PricingLine(
            variant_id=line.variant.id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            product_id=line.variant.product_id,
            category_id=line.variant.product.category_id,
        )
        for line in cart_view.lines
    ]


def price_cart(cart_view: CartView) -> pricing.Totals:
    """The cart page's prices: its promotions, before delivery, vouchers and tax (the same
    pricing as the checkout's, ``pricing.compute_totals``)."""
    return pricing.compute_totals(
        lines=pricing_lines(cart_view),
        promotions=promotions.rules_for(line.variant.product_id for line in cart_view.lines),
        shipping=Decimal("0"),
        tax_rate=Decimal("0"),
        prices_include_tax=True,
        market=cart_view.market,
    )


def list_shipping_rates(*, cart_view: CartView, country: str) -> list[ShippingRate]:
    """The delivery methods that serve ``country`` for this basket, cheapest first (ties: the
    older method), each with the total an order would have with it (with promotions, before
    vouchers).

    The first is the one an order placed without a delivery method gets (``place_order``).
    """
    store = get_current_store()
    lines = pricing_lines(cart_view)
    rules = promotions.rules_for(line.variant.product_id for line in cart_view.lines)
    rates = []
    for option in shipping.list_options(
        country=country,
        subtotal=cart_view.subtotal,
        weight_grams=cart_view.weight_grams,
        market=cart_view.market,
    ):
        totals = pricing.compute_totals(
            lines=lines,
            promotions=rules,
            shipping=option["price"],
            tax_rate=pricing.tax_rate_for(country),
            prices_include_tax=store.prices_include_tax,
            market=cart_view.market,
        )
        rates.append(
            ShippingRate(
                method=option["method"],
                price=option["price"],
                tax_total=totals.tax_total,
                total=totals.total,
            )
        )
    return sorted(rates, key=lambda rate: (rate.price, rate.method.id))


@dataclass(frozen=True)
class AppliedGiftCard:
    """A gift card on a cart and what it would pay of ``total`` (cards pay in the order they
    were applied, each what it can of what the ones before left)."""

    gift_card_id: int
    last4: str
    balance: Decimal
    currency: str
    amount: Decimal


def list_cart_gift_cards(*, cart: Cart, total: Decimal) -> list[AppliedGiftCard]:
    """The gift cards applied to the cart, each with what it would pay of ``total``."""
    applied, due = [], total
    rows = CartGiftCard.objects.filter(cart=cart).select_related("gift_card").order_by("id")
    for row in rows:
        card = row.gift_card
        amount = max(min(card.balance, due), Decimal("0"))
        due -= amount
        applied.append(AppliedGiftCard(
            gift_card_id=card.pk, last4=card.last4, balance=card.balance,
            currency=card.currency, amount=amount,
        ))  # fmt: skip
    return applied
