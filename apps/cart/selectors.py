"""Cart reads. Prices come from the catalog every time; the cart stores only quantities."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import connection
from django.utils import timezone

from apps.cart.models import Cart, CartLine, WishlistItem
from apps.catalog.models import Product, Variant
from apps.core import raw_rows
from apps.core.money import quantize
from apps.inventory import selectors as inventory_selectors


@dataclass(frozen=True)
class CartLineView:
    line: CartLine
    variant: Variant
    unit_price: Decimal
    line_total: Decimal
    available: int | None  # None: not read (``get_cart_view(with_availability=False)``)
    purchasable: bool

    @property
    def quantity(self) -> int:
        return self.line.quantity


@dataclass(frozen=True)
class CartView:
    cart: Cart | None
    lines: list[CartLineView]
    subtotal: Decimal
    weight_grams: int

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_problems(self) -> bool:
        return any(
            not line.purchasable or (line.available is not None and line.quantity > line.available)
            for line in self.lines
        )


EMPTY_CART = CartView(cart=None, lines=[], subtotal=Decimal("0.00"), weight_grams=0)


def get_open_cart(*, token: UUID | str | None = None, user_id: int | None = None) -> Cart | None:
    """The open cart of a signed-in customer, else the open anonymous cart with this token."""
    if user_id is not None:
        cart = Cart.objects.filter(user_id=user_id, status=Cart.Status.OPEN).first()
        if cart is not None:
            return cart
    if token:
        try:  # plain SQL: read on most storefront requests
            return raw_rows.instance(Cart, raw_rows.fetch_by_token(Cart, _OPEN_CART_SQL, token))
        except Cart.DoesNotExist:  # a malformed or unknown token, or a cart no longer open
            return None
    return None


_OPEN_CART_SQL = (
    f"SELECT {raw_rows.columns(Cart, 'c')} FROM {Cart._meta.db_table} c "
    f"WHERE c.token = %s AND c.status = '{Cart.Status.OPEN.value}'"
)


def get_cart_view(cart: Cart | None, *, with_availability: bool = True) -> CartView:
    """Lines with current prices and availability, in one query whatever the line count.

    ``with_availability=False`` leaves the stock out (``available`` is None then), for callers
    that need only the lines, prices and weight.
    """
    if cart is None:
        return EMPTY_CART
    rows = _line_rows("l.cart_id = %s", [cart.pk], with_availability=with_availability)
    return _view_of_rows(cart, rows, with_availability=with_availability)


def get_guest_cart_view(*, token: UUID | str | None) -> CartView:
    """The open anonymous cart with this token, as ``get_cart_view`` shows it; the cart, its
    lines and their availability come in one query (an empty or unknown cart shows as
    ``EMPTY_CART``)."""
    try:
        token = UUID(str(token)) if token else None
    except ValueError:
        token = None
    if token is None:
        return EMPTY_CART
    rows = _line_rows(
        "c.token = %s AND c.status = %s", [token, Cart.Status.OPEN], with_availability=True
    )
    if not rows:
        return EMPTY_CART
    (cart,) = raw_rows.split(rows[0], Cart)
    return _view_of_rows(cart, rows, with_availability=True)


# The lines of one cart with their variants and products (and their carts, for the guest cart
# read), plus each variant's availability as ``inventory_selectors`` computes it. Plain SQL:
# the cart page runs it after every add, and the ORM's select_related query cost several times
# more CPU to build than to run.
_LINES_SQL = f"""
SELECT {raw_rows.columns(Cart, "c")}, {raw_rows.columns(CartLine, "l")},
       {raw_rows.columns(Variant, "v")}, {raw_rows.columns(Product, "p")}{{availability}}
FROM {CartLine._meta.db_table} l
JOIN {Cart._meta.db_table} c ON c.id = l.cart_id
JOIN {Variant._meta.db_table} v ON v.id = l.variant_id
JOIN {Product._meta.db_table} p ON p.id = v.product_id
WHERE {{where}}
ORDER BY l.id
"""
_AVAILABILITY_COLUMN = f", ({inventory_selectors.AVAILABLE_FOR_VARIANT_SQL.format(variant='v.id')})"


def _line_rows(where: str, params: list, *, with_availability: bool) -> list[tuple]:
    sql = _LINES_SQL.format(
        availability=_AVAILABILITY_COLUMN if with_availability else "", where=where
    )
    if with_availability:
        params = [timezone.now(), *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
    views = []
    for line in lines:
        variant = line.variant
        unit_price = variant.price
        views.append(
            CartLineView(
                line=line,
                variant=variant,
                unit_price=unit_price,
                line_total=quantize(unit_price * line.quantity),
                available=None if available is None else available.get(variant.id, 0),
                purchasable=variant.active and variant.product.status == Product.Status.ACTIVE,
            )
        )
    return CartView(
        cart=cart,
        lines=views,
        subtotal=sum((v.line_total for v in views), Decimal("0.00")),
        weight_grams=sum(v.variant.weight_grams * v.quantity for v in views),
    )


def list_wishlist(*, user_id: int) -> list[WishlistItem]:
    return list(WishlistItem.objects.filter(user_id=user_id).select_related("variant__product"))
