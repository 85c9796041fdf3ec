"""Cart writes: lines, merging at login, wishlist.

Adding to the cart takes no stock (architecture §3 step 1); it only refuses quantities above
what is available now, so shoppers are not surprised at checkout.
"""

import uuid
from typing import NoReturn
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.cart import selectors as cart_selectors
from apps.cart import sql
from apps.cart.exceptions import CartError, QuantityUnavailable, VariantUnavailable
from apps.cart.models import Cart, CartLine, WishlistItem
from apps.catalog.models import Product, Variant
from apps.core import raw_rows
from apps.inventory import selectors as inventory_selectors
from apps.markets import selectors as market_selectors

MAX_LINE_QUANTITY = 999


def _check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartError("Quantity must be a whole number.", extra={"quantity": str(quantity)})
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_LINE_QUANTITY:
        raise CartError(
            f"Quantity must be between {low} and {MAX_LINE_QUANTITY}.",
            extra={"quantity": quantity},
        )


def _variant_unavailable(variant_id) -> VariantUnavailable:
    return VariantUnavailable("This item is no longer available.", extra={"variant_id": variant_id})


def _get_sellable_variant(variant_id: int) -> Variant:
    try:
        return Variant.objects.select_related("product").get(
            pk=variant_id, active=True, product__status=Product.Status.ACTIVE
        )
    except (Variant.DoesNotExist, ValueError, TypeError) as exc:
        raise _variant_unavailable(variant_id) from exc


def _get_sellable_variant_and_available(variant_id: int) -> tuple[Variant, int]:
    """``_get_sellable_variant`` and the units available now, in one query."""
    try:
        pk = int(variant_id)
    except (ValueError, TypeError):
        pk = None
    row = None
    if pk is not None and 0 < pk < 2**63:
        row = sql.sellable_variant_row(variant_id=pk, now=timezone.now())
    if row is None:
        raise _variant_unavailable(variant_id)
    variant, product = raw_rows.split(row, Variant, Product)
    variant.product = product
    # The availability column comes last.
    return variant, cart_selectors.sellable_units(variant, int(row[-1]))


def clean_gift_card_recipient(details: dict | None) -> dict:
    """A gift card's recipient as entered on the product page: name, email and message, each
    optional (no email: the card goes to the buyer). Raises ValidationError per field."""
    details = details or {}
    cleaned = {
        "recipient_name": str(details.get("recipient_name") or "").strip()[:120],
        "recipient_email": str(details.get("recipient_email") or "").strip().lower(),
        "message": str(details.get("message") or "").strip(),
    }
    if len(cleaned["message"]) > 1000:
        raise ValidationError({"message": ["Keep the message under 1000 characters."]})
    if cleaned["recipient_email"]:
        try:
            validate_email(cleaned["recipient_email"])
        except ValidationError as exc:
            raise ValidationError({"recipient_email": exc.messages}) from exc
    return {key: value for key, value in cleaned.items() if value}


def _refuse_unavailable(variant: Variant, quantity: int, available: int) -> None:
    if quantity > available:
        message = (
            f"Only {available} of {variant} left." if available else f"{variant} is out of stock."
        )
        raise QuantityUnavailable(
            message,
            extra={"variant_id": variant.id, "requested": quantity, "available": available},
        )


def get_or_create_cart(*, cart: Cart | None, user_id: int | None) -> Cart:
    if cart is not None:
        return cart
    if user_id is None:
        return Cart.objects.create()
    try:
        with transaction.atomic():
            return Cart.objects.create(user_id=user_id)
    except IntegrityError:  # the customer's open cart was created by a concurrent request
        return Cart.objects.get(user_id=user_id, status=Cart.Status.OPEN)


def add_to_cart(
    *, cart: Cart, variant_id: int, quantity: int = 1, gift_card: dict | None = None
) -> CartLine:
    """Add units of a variant; the line's new quantity may not exceed availability.

    ``gift_card``: for a gift card product, its recipient (``clean_gift_card_recipient``);
    it replaces the recipient of the variant's line (one recipient per denomination in a cart).
    """
    _check_quantity(quantity)
    variant, available = _get_sellable_variant_and_available(variant_id)
    recipient = clean_gift_card_recipient(gift_card) if variant.product.is_gift_card else {}
    limit = min(available, MAX_LINE_QUANTITY)
    row = None
    if quantity <= limit:
        now = timezone.now()
        row = sql.add_units(
            cart_id=cart.pk, variant_id=variant.id, quantity=quantity, limit=limit, now=now,
            gift_card=recipient,
        )  # fmt: skip
    if row is None:  # refused: say why, for the quantity the line would have had
        _refuse(
            variant, quantity, available, current=_line_quantity(cart_id=cart.pk, variant=variant)
        )
    line_id, new_quantity, created_at = row
    return CartLine(
        id=line_id, cart=cart, variant=variant, quantity=new_quantity, created_at=created_at,
        updated_at=now, gift_card=recipient,
    )  # fmt: skip


def add_to_guest_cart(
    *, token: UUID | str | None, variant_id: int, quantity: int = 1,
    gift_card: dict | None = None, currency: str | None = None,
) -> CartLine:  # fmt: skip
    """``add_to_cart`` for a shopper who is not signed in: to the open cart with ``token`` (the
    cookie's), else to a new cart, which the returned line's ``cart`` is.

    The cart is found or created, the line written and the cart touched in one statement and
    one transaction: a guest's first add cost a statement and a commit more when the cart was
    created on its own. ``currency``: the market the shopper chose, as ``set_cart_currency``
    takes it (None: a found cart keeps its currency, a new one has the store's). Nothing is
    written when the add is refused before the write (a variant not sold, a quantity above
    what is available), so a refused first add leaves no empty cart behind.
    """
    _check_quantity(quantity)
    variant, available = _get_sellable_variant_and_available(variant_id)
    recipient = clean_gift_card_recipient(gift_card) if variant.product.is_gift_card else {}
    code = None if currency is None else _cart_currency_code(currency)
    token = cart_selectors.parse_token(token)
    limit = min(available, MAX_LINE_QUANTITY)
    if quantity > limit:
        current = _line_quantity(cart_token=token, variant=variant) if token else 0
        _refuse(variant, quantity, available, current=current)
    now = timezone.now()
    row = sql.add_units_to_guest_cart(
        token=token, new_token=uuid.uuid4(), currency=code, variant_id=variant.id,
        quantity=quantity, limit=limit, now=now, gift_card=recipient,
    )  # fmt: skip
    width = raw_rows.width(Cart)
    cart = raw_rows.instance(Cart, row[:width])
    if code is not None:
        cart.currency = code  # as the statement set a found cart's
    cart.updated_at = now  # created or touched by the statement
    line_id, new_quantity, created_at = row[width:]
    if line_id is None:  # the found cart's line is already at the limit
        _refuse(
            variant, quantity, available, current=_line_quantity(cart_id=cart.pk, variant=variant)
        )
    return CartLine(
        id=line_id, cart=cart, variant=variant, quantity=new_quantity, created_at=created_at,
        updated_at=now, gift_card=recipient,
    )  # fmt: skip


def _line_quantity(*, variant: Variant, cart_id: int | None = None, cart_token=None) -> int:
    """The quantity of ``variant`` in the cart (by id, or the open cart by token); 0 if none."""
    lines = CartLine.objects.filter(variant=variant)
    if cart_id is not None:
        lines = lines.filter(cart_id=cart_id)
    else:
        lines = lines.filter(cart__token=cart_token, cart__status=Cart.Status.OPEN)
    return lines.values_list("quantity", flat=True).first() or 0


def _refuse(variant: Variant, quantity: int, available: int, *, current: int) -> NoReturn:
    """Why ``quantity`` more units cannot join the line that holds ``current``."""
    _check_quantity(current + quantity)
    _refuse_unavailable(variant, current + quantity, available)
    raise QuantityUnavailable(  # the line changed meanwhile (another tab)
        f"{variant} changed in your cart meanwhile; please try again.",
        extra={"variant_id": variant.id, "requested": quantity, "available": available},
    )


@transaction.atomic
def update_cart_line(*, cart: Cart, variant_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes the line."""
    _check_quantity(quantity, allow_zero=True)
    line = CartLine.objects.select_for_update().filter(cart=cart, variant_id=variant_id).first()
    if line is None:
        raise CartError("That item is not in your cart.", extra={"variant_id": variant_id})
    if quantity == 0:
        line.delete()
        return None
    if quantity > line.quantity:
        variant, available = _get_sellable_variant_and_available(variant_id)
        _refuse_unavailable(variant, quantity, available)
    line.quantity = quantity
    line.save(update_fields=["quantity", "updated_at"])
    cart.save(update_fields=["updated_at"])
    return line


def take_cart_for_order(*, cart_id: int, email: str = "") -> bool:
    """Mark the cart ordered if it is still open, and say whether it was.

    The order path's one lock: the UPDATE locks the cart row until the caller's transaction
    ends, and add-to-cart locks it too, so the lines the caller reads next are the lines
    ordered. False: the cart was ordered by an earlier (or concurrent, now committed) request,
    or merged into a customer's cart. The shopper's next cart is a new one. ``email``: kept
    on the cart for its history (the abandoned-cart mail reads it while the cart is open).
    """
    changes: dict = {"status": Cart.Status.ORDERED}
    if email:
        changes["email"] = email
    return bool(Cart.objects.filter(pk=cart_id, status=Cart.Status.OPEN).update(**changes))


def remove_from_cart(*, cart: Cart, variant_id: int) -> None:
    CartLine.objects.filter(cart=cart, variant_id=variant_id).delete()


@transaction.atomic
def merge_cart_into_user_cart(*, anonymous_cart: Cart | None, user_id: int) -> Cart | None:
    """At login, move the anonymous cart's lines into the customer's open cart.

    Quantities add up, capped by what is available now; the anonymous cart is marked merged.
    With no customer cart yet, the anonymous cart simply becomes the customer's.
    """
    if anonymous_cart is None or anonymous_cart.user_id is not None:
        return Cart.objects.filter(user_id=user_id, status=Cart.Status.OPEN).first()
    user_cart = (
        Cart.objects.select_for_update().filter(user_id=user_id, status=Cart.Status.OPEN).first()
    )
    if user_cart is None:
        anonymous_cart.user_id = user_id
        anonymous_cart.save(update_fields=["user", "updated_at"])
        return anonymous_cart
    incoming = list(anonymous_cart.lines.all())
    existing = {line.variant_id: line for line in user_cart.lines.all()}
    variant_ids = {line.variant_id for line in incoming} | set(existing)
    free = inventory_selectors.get_available_by_variant(variant_ids)
    available = {
        variant.id: cart_selectors.sellable_units(variant, free.get(variant.id, 0))
        for variant in Variant.objects.filter(pk__in=variant_ids).select_related("product")
    }
    for line in incoming:
        current = existing.get(line.variant_id)
        wanted = line.quantity + (current.quantity if current else 0)
        capped = min(wanted, available.get(line.variant_id, 0), MAX_LINE_QUANTITY)
        if current is not None:
            current.quantity = max(current.quantity, capped)  # never shrink what they had
            current.save(update_fields=["quantity", "updated_at"])
        elif capped > 0:
            CartLine.objects.create(
                cart=user_cart, variant_id=line.variant_id, quantity=capped,
                gift_card=line.gift_card,
            )  # fmt: skip
    anonymous_cart.status = Cart.Status.MERGED
    anonymous_cart.save(update_fields=["status", "updated_at"])
    return user_cart


def add_to_wishlist(*, user_id: int, variant_id: int) -> WishlistItem:
    variant = _get_sellable_variant(variant_id)
    item, _ = WishlistItem.objects.get_or_create(user_id=user_id, variant=variant)
    return item


def remove_from_wishlist(*, user_id: int, variant_id: int) -> None:
    WishlistItem.objects.filter(user_id=user_id, variant_id=variant_id).delete()


@transaction.atomic
def move_wishlist_item_to_cart(*, user_id: int, variant_id: int, cart: Cart) -> CartLine:
    line = add_to_cart(cart=cart, variant_id=variant_id, quantity=1)
    remove_from_wishlist(user_id=user_id, variant_id=variant_id)
    return line


def set_cart_currency(*, cart: Cart, currency: str) -> Cart:
    """Price the cart in ``currency`` from now on (the shopper chose a market): its lines are
    re-priced whenever it is read. Raises UnknownCurrency for a currency no market sells in."""
    code = _cart_currency_code(currency)
    if cart.currency != code:
        cart.currency = code
        cart.save(update_fields=["currency", "updated_at"])
    return cart


def _cart_currency_code(currency: str) -> str:
    """What a cart stores for the market of ``currency``: "" for the store's own currency.
    Raises UnknownCurrency for a currency no market sells in."""
    market = market_selectors.get_market(currency)
    return "" if market.is_base else market.currency
