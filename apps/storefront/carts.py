"""The shopper's cart for a request: the customer's open cart, else the one in the cookie."""

from django.conf import settings

from apps.cart import selectors as cart_selectors
from apps.cart import services as cart_services
from apps.cart.models import Cart

CART_COOKIE = "cart"
CART_COOKIE_AGE = 60 * 60 * 24 * 30


def current_cart(request) -> Cart | None:
    if not hasattr(request, "_cart"):
        user_id = request.user.id if request.user.is_authenticated else None
        request._cart = cart_selectors.get_open_cart(
            token=request.COOKIES.get(CART_COOKIE), user_id=user_id, with_item_count=True
        )
    return request._cart


def cart_item_count(request) -> int:
    """How many items the shopper's open cart holds, for the header.

    A guest with no cart cookie costs no query; otherwise the count comes with the cart
    itself (``current_cart`` annotates it), so a page that reads the cart pays nothing more.
    """
    if not request.user.is_authenticated and not request.COOKIES.get(CART_COOKIE):
        return 0
    cart = current_cart(request)
    if cart is None:
        return 0
    count = getattr(cart, "item_count", None)
    if count is None:  # a cart loaded another way (a checkout's own cart, a new cart)
        count = cart_selectors.get_cart_view(cart, with_availability=False).item_count
    return count


def current_or_new_cart(request) -> Cart:
    user_id = request.user.id if request.user.is_authenticated else None
    request._cart = cart_services.get_or_create_cart(cart=current_cart(request), user_id=user_id)
    return request._cart


def remember_cart(response, cart: Cart | None):
    """Store only the cart token in a host-only cookie."""
    if cart is not None:
        response.set_cookie(
            CART_COOKIE,
            str(cart.token),
            max_age=CART_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
