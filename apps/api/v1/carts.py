"""Cart endpoints. The cart id (an unguessable token) is the capability, as in the storefront."""

from decimal import Decimal

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.idempotency import idempotent
from apps.api.v1.cart_serializers import (
    CartCreateInput,
    CartCurrencyInput,
    CartGiftCardInput,
    CartItemInput,
    CartItemUpdateInput,
    CartOutput,
    ShippingRatesOutput,
    ShippingRatesQuery,
)
from apps.api.v1.fields import COUNTRY_CODES, requested_market
from apps.cart import selectors as cart_selectors
from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.checkout import selectors as checkout_selectors
from apps.checkout import services as checkout_services
from apps.tenants.selectors import get_current_store


def cart_payload(cart: Cart) -> dict:
    view = cart_selectors.get_cart_view(cart)
    totals = checkout_selectors.price_cart(view)  # promotions, as the checkout prices them
    gift_cards = checkout_selectors.list_cart_gift_cards(cart=cart, total=totals.items_total)
    data = {
        "cart": cart,
        "lines": view.lines,
        "item_count": view.item_count,
        "subtotal": view.subtotal,
        "discount_total": totals.discount_total,
        "promotions": totals.promotions,
        "total": totals.items_total,
        "currency": view.currency,
        "gift_cards": gift_cards,
        "amount_due": totals.items_total - sum((card.amount for card in gift_cards), Decimal("0")),
        "requires_shipping": view.requires_shipping,
    }
    return CartOutput(data).data


def cart_currency(cart: Cart) -> str:
    """The currency the cart is priced in (an empty cart has no priced lines to say it)."""
    return cart.currency or get_current_store().currency


def get_open_cart_or_404(cart_id) -> Cart:
    cart = cart_selectors.get_open_cart(token=cart_id)
    if cart is None:
        raise Http404
    return cart


class CartCreateApi(APIView):
    scope = "carts"
    public_methods = ("POST",)

    @extend_schema(request=CartCreateInput, responses={201: CartOutput})
    @idempotent
    def post(self, request):
        data = CartCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        market = requested_market(data.validated_data.get("currency"))
        user_id = request.user.id if request.user.is_authenticated else None
        with transaction.atomic():
            cart = cart_services.get_or_create_cart(cart=None, user_id=user_id)
            cart = cart_services.set_cart_currency(cart=cart, currency=market.currency)
        return Response(cart_payload(cart), status=status.HTTP_201_CREATED)


class CartCurrencyApi(APIView):
    """Switch the cart's currency; its lines are re-priced in it."""

    scope = "carts"
    public_methods = ("PUT",)

    @extend_schema(request=CartCurrencyInput, responses=CartOutput)
    @idempotent
    def put(self, request, cart_id):
        cart = get_open_cart_or_404(cart_id)
        data = CartCurrencyInput(data=request.data)
        data.is_valid(raise_exception=True)
        market = requested_market(data.validated_data["currency"])
        cart = cart_services.set_cart_currency(cart=cart, currency=market.currency)
        return Response(cart_payload(cart))


class CartDetailApi(APIView):
    scope = "carts"
    public_methods = ("GET",)

    @extend_schema(responses=CartOutput)
    def get(self, request, cart_id):
        return Response(cart_payload(get_open_cart_or_404(cart_id)))


class CartItemCreateApi(APIView):
    scope = "carts"
    public_methods = ("POST",)

    @extend_schema(request=CartItemInput, responses={201: CartOutput})
    @idempotent
    def post(self, request, cart_id):
        cart = get_open_cart_or_404(cart_id)
        data = CartItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        cart_services.add_to_cart(cart=cart, **data.validated_data)
        return Response(cart_payload(cart), status=status.HTTP_201_CREATED)


def _check_line_in_cart(cart: Cart, variant_id: int) -> None:
    """The path names a line of the cart: a variant not in it is a 404, as any missing row."""
    if not cart.lines.filter(variant_id=variant_id).exists():
        raise Http404


class CartItemDetailApi(APIView):
    scope = "carts"
    public_methods = ("PATCH", "DELETE")
    whole_body_methods = ("PATCH",)  # PATCH sets the quantity: the body is not partial

    @extend_schema(request=CartItemUpdateInput, responses=CartOutput)
    @idempotent
    def patch(self, request, cart_id, variant_id):
        cart = get_open_cart_or_404(cart_id)
        data = CartItemUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        _check_line_in_cart(cart, variant_id)
        cart_services.update_cart_line(
            cart=cart, variant_id=variant_id, quantity=data.validated_data["quantity"]
        )
        return Response(cart_payload(cart))

    @extend_schema(request=None, responses={200: CartOutput})  # 200 with the cart, not 204
    @idempotent
    def delete(self, request, cart_id, variant_id):
        cart = get_open_cart_or_404(cart_id)
        _check_line_in_cart(cart, variant_id)
        cart_services.remove_from_cart(cart=cart, variant_id=variant_id)
        return Response(cart_payload(cart))


class CartShippingRatesApi(APIView):
    """The delivery methods an order of this cart to this country can use, with prices."""

    scope = "carts"
    public_methods = ("GET",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "country",
                str,
                required=True,
                enum=COUNTRY_CODES,
                description="The shipping address's country, ISO 3166-1 alpha-2 (e.g. US; "
                "lower case is accepted too).",
            )
        ],
        responses=ShippingRatesOutput,
        description="Shipping rates for the cart and a destination, cheapest first. Each "
        "rate's id is a `shipping_method` for POST /orders; an order sent without one gets "
        "the first (cheapest) rate. An empty list: the store does not ship there.",
    )
    def get(self, request, cart_id):
        cart = get_open_cart_or_404(cart_id)
        query = ShippingRatesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        country = query.validated_data["country"]
        view = cart_selectors.get_cart_view(cart, with_availability=False)
        rates = checkout_selectors.list_shipping_rates(cart_view=view, country=country)
        body = {
            "cart_id": cart.token,
            "country": country,
            "currency": view.currency,
            "subtotal": view.subtotal,
            "rates": rates,
        }
        return Response(ShippingRatesOutput(body).data)


class CartGiftCardCreateApi(APIView):
    """Apply a gift card to the cart: the order placed from it (POST /orders with cart_id) is
    paid by the card first, the payment method takes the rest."""

    scope = "carts"
    public_methods = ("POST",)

    @extend_schema(
        request=CartGiftCardInput,
        responses={201: CartOutput},
        description="Apply a gift card by its code. The cart then lists it with what it would "
        "pay and the amount left (`amount_due`). An unknown, disabled, expired or empty card "
        "is a 409 `gift_card_refused`; too many codes tried, a 429.",
    )
    @idempotent
    def post(self, request, cart_id):
        cart = get_open_cart_or_404(cart_id)
        data = CartGiftCardInput(data=request.data)
        data.is_valid(raise_exception=True)
        checkout_services.apply_gift_card_to_cart(
            cart=cart, code=data.validated_data["code"], identity=_client_identity(request)
        )
        return Response(cart_payload(cart), status=status.HTTP_201_CREATED)


class CartGiftCardDetailApi(APIView):
    scope = "carts"
    public_methods = ("DELETE",)

    @extend_schema(
        request=None, responses={200: CartOutput}, description="Take a gift card off the cart."
    )
    @idempotent
    def delete(self, request, cart_id, gift_card_id: int):
        cart = get_open_cart_or_404(cart_id)
        if not checkout_services.remove_gift_card_from_cart(cart=cart, gift_card_id=gift_card_id):
            raise Http404
        return Response(cart_payload(cart))


def _client_identity(request) -> str:
    """Who is typing codes, for the code-entry limit: the API key or the client's address."""
    key = getattr(request, "auth", None)
    key_id = getattr(key, "pk", None)
    return f"api-key:{key_id}" if key_id else f"ip:{request.META.get('REMOTE_ADDR', '')}"
