"""Cart reads. Prices come from the catalog every time; the cart stores only quantities."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.cart import sql
from apps.cart.models import Cart, CartLine, WishlistItem
from apps.catalog.models import Product, Variant
from apps.core import raw_rows
from apps.core.money import quantize
from apps.inventory import policies
from apps.markets import selectors as market_selectors
from apps.markets.pricing import MarketView

# A gift card holds no stock; the cart's own quantity limit (999 a line) is all that caps it.
GIFT_CARD_AVAILABLE = 999


def sellable_units(variant: Variant, free: int) -> int:
    """How many units of ``variant`` a cart line may hold, given its ``free`` stock: a gift
    card's are unlimited (``GIFT_CARD_AVAILABLE``); a back-order or pre-order policy sells
    beyond stock (``policies.sellable_units``)."""
    if variant.product.is_gift_card:
        return GIFT_CARD_AVAILABLE
    return policies.sellable_units(variant, free)


@dataclass(frozen=True)
class CartLineView:
    line: CartLine
    variant: Variant
    unit_price: Decimal
    line_total: Decimal
    available: int | None  # None: not read (``get_cart_view(with_availability=False)``)
    purchasable: bool
    free: int | None = None  # free units (``available`` counts units a policy sells beyond)

    @property
    def quantity(self) -> int:
        return self.line.quantity

    @property
    def shipping_note(self) -> str:
        """ "Back-order: ships in 14 days" when this line's units are sold beyond stock."""
        if self.free is not None and self.line.quantity <= self.free:
            return ""
        note = policies.stock_note(self.variant, 0)
        if note and self.free is None and self.variant.inventory_policy == "backorder":
            return f"{note} if out of stock"
        return note

    @property
    def is_gift_card(self) -> bool:
        return self.variant.product.is_gift_card


@dataclass(frozen=True)
class CartView:
    cart: Cart | None
    lines: list[CartLineView]
    subtotal: Decimal
    weight_grams: int
    market: MarketView | None = None  # the currency the lines are priced in (None: no cart)

    @property
    def currency(self) -> str:
        return self.market.currency if self.market else ""

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def requires_shipping(self) -> bool:
        """False when every line is a gift card (nothing to ship: no delivery method)."""
        return any(not line.is_gift_card for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(
            not line.purchasable or (line.available is not None and line.quantity > line.available)
            for line in self.lines
        )


EMPTY_CART = CartView(cart=None, lines=[], subtotal=Decimal("0.00"), weight_grams=0)


def get_open_cart(
    *, token: UUID | str | None = None, user_id: int | None = None, with_item_count: bool = False
) -> Cart | None:
    """The open cart of a signed-in customer, else the open anonymous cart with this token.

    ``with_item_count=True`` annotates ``item_count`` (the sum of the line quantities) in the
    same query, for a header that shows it on every page.
    """
    carts = Cart.objects.filter(status=Cart.Status.OPEN)
    if with_item_count:
        carts = carts.annotate(item_count=Coalesce(Sum("lines__quantity"), 0))
    if user_id is not None:
        cart = carts.filter(user_id=user_id).first()
        if cart is not None:
            return cart
    token = parse_token(token)
    if token is None:  # none, or malformed (the cookie is shopper input)
        return None
    return carts.filter(token=token).first()


def parse_token(token: UUID | str | None) -> UUID | None:
    """A cart token from shopper input (a cookie): None when absent or malformed."""
    try:
        return UUID(str(token)) if token else None
    except ValueError:
        return None


def get_cart_view(cart: Cart | None, *, with_availability: bool = True) -> CartView:
    """Lines with current prices and availability, in one query whatever the line count.

    ``with_availability=False`` leaves the stock out (``available`` is None then), for callers
    that need only the lines, prices and weight.
    """
    if cart is None:
        return EMPTY_CART
    rows = sql.line_rows_of_cart(cart_id=cart.pk, now=timezone.now() if with_availability else None)
    return _view_of_rows(cart, rows, with_availability=with_availability)


def get_guest_cart_view(*, token: UUID | str | None) -> CartView:
    """The open anonymous cart with this token, as ``get_cart_view`` shows it; the cart, its
    lines and their availability come in one query (an empty or unknown cart shows as
    ``EMPTY_CART``)."""
    token = parse_token(token)
    if token is None:
        return EMPTY_CART
    rows = sql.line_rows_of_open_cart(token=token, now=timezone.now())
    if not rows:
        return EMPTY_CART
    (cart,) = raw_rows.split(rows[0], Cart)
    return _view_of_rows(cart, rows, with_availability=True)


def _view_of_rows(cart: Cart, rows: list[tuple], *, with_availability: bool) -> CartView:
    cart_width = raw_rows.width(Cart)  # every row repeats the cart: read once by the caller
    lines, available = [], {}
    for row in rows:
        line, variant, product = raw_rows.split(row[cart_width:], CartLine, Variant, Product)
        variant.product = product
        line.cart, line.variant = cart, variant
        lines.append(line)
        if with_availability:
            available[variant.id] = max(int(row[-1] or 0), 0)  # the availability column
    return _view_of_lines(cart, lines, available=available if with_availability else None)


def _view_of_lines(cart: Cart, lines: list[CartLine], *, available: dict | None) -> CartView:
    # Priced in the cart's currency (a market's): a retired market's cart shows the store's.
    market = market_selectors.find_market(cart.currency)
    views = []
    for line in lines:
        variant = line.variant
        free = None
        if available is not None:
            free = (
                GIFT_CARD_AVAILABLE
                if variant.product.is_gift_card
                else available.get(variant.id, 0)
            )
        unit_price = market.variant_price(variant.id, variant.price)
        views.append(
            CartLineView(
                line=line,
                variant=variant,
                unit_price=unit_price,
                line_total=quantize(unit_price * line.quantity, market.currency),
                available=None if free is None else sellable_units(variant, free),
                free=free,
                purchasable=variant.active and variant.product.status == Product.Status.ACTIVE,
            )
        )
    return CartView(
        cart=cart,
        lines=views,
        subtotal=sum((v.line_total for v in views), Decimal("0")),
        weight_grams=sum(v.variant.weight_grams * v.quantity for v in views if not v.is_gift_card),
        market=market,
    )


def list_wishlist(*, user_id: int) -> list[WishlistItem]:
    return list(WishlistItem.objects.filter(user_id=user_id).select_related("variant__product"))
