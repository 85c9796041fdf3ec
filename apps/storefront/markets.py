"""The shopper's market (presentment currency) on the storefront.

Chosen in the header's selector and remembered in the ``market`` cookie (a currency code);
without a choice, the market of the shipping country once the checkout knows it, else the
store's currency. Read once per request.
"""

import copy
import dataclasses

from django.http import HttpRequest

from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.markets import selectors as market_selectors
from apps.markets.pricing import MarketView, price_in_market
from apps.storefront.variant_choice import VariantRow

MARKET_COOKIE = "market"
COOKIE_MAX_AGE = 365 * 24 * 3600


def current_market(request: HttpRequest) -> MarketView:
    """The request's market: the cookie's, if the store still sells in it; else the store's."""
    cached = getattr(request, "_market", None)
    if cached is None:
        cached = market_selectors.find_market(chosen_currency(request))
        request._market = cached  # type: ignore[attr-defined]
    return cached


def chosen_currency(request: HttpRequest) -> str:
    """The cookie's currency code (upper-case, at most 3 letters), "" when none."""
    value = request.COOKIES.get(MARKET_COOKIE, "")[:3].upper()
    return value if value.isalpha() else ""


def sync_cart(request: HttpRequest, cart: Cart | None, *, country: str = "") -> None:
    """Price ``cart`` in the shopper's market: the chosen one, else (once the shipping address
    is known) ``country``'s. The cart is re-priced when it is read next."""
    currency = cart_currency(request, country=country)
    if cart is not None and currency is not None:
        cart_services.set_cart_currency(cart=cart, currency=currency)  # saves only a change


def cart_currency(request: HttpRequest, *, country: str = "") -> str | None:
    """The currency ``sync_cart`` prices a cart in: the chosen market's, else ``country``'s
    market's; None when neither is known (the cart keeps its own)."""
    if chosen_currency(request):
        return current_market(request).currency
    if country:
        return market_selectors.market_for_country(country).currency
    return None


def rows_in_market(rows: list[VariantRow], market: MarketView) -> list[VariantRow]:
    """A product page's variant rows priced in ``market`` (fixed prices, else converted and
    rounded); the rows given, which may be cached, are left as they were."""
    if market.is_base:
        return rows
    priced = []
    for row in rows:
        variant = copy.copy(row.variant)
        variant.price = market.variant_price(variant.id, row.variant.price)
        if variant.compare_at_price is not None:
            variant.compare_at_price = price_in_market(variant.compare_at_price, market)
        priced.append(dataclasses.replace(row, variant=variant))
    return priced
