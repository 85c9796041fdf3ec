"""Cart endpoints. The cart id (an unguessable token) is the capability, as in the storefront."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.idempotency import idempotent
from apps.api.v1.cart_serializers import (
    CartItemInput,
    CartItemUpdateInput,
    CartOutput,
    ShippingRatesOutput,
    ShippingRatesQuery,
)
from apps.cart import selectors as cart_selectors
from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.checkout import selectors as checkout_selectors
from apps.tenants.selectors import get_current_store


def cart_payload(cart: Cart) -> dict:
    view = cart_selectors.get_cart_view(cart)
    totals = checkout_selectors.price_cart(view)  # promotions, as the checkout prices them
    data = {
        "cart": cart,
        "lines": view.lines,
        "item_count": view.item_count,
        "subtotal": view.subtotal,
        "discount_total": totals.discount_total,
        "promotions": totals.promotions,
        "total": totals.items_total,
        "currency": get_current_store().currency,
    }
    return CartOutput(data).data


def get_open_cart_or_404(cart_id) -> Cart:
    cart = cart_selectors.get_open_cart(token=cart_id)
    if cart is None:
        raise Http404
    return cart


class CartCreateApi(APIView):
    scope = "carts"
    public_methods = ("POST",)

    @extend_schema(request=None, responses={201: CartOutput})
    @idempotent
    def post(self, request):
        user_id = request.user.id if request.user.is_authenticated else None
        cart = cart_services.get_or_create_cart(cart=None, user_id=user_id)
        return Response(cart_payload(cart), status=status.HTTP_201_CREATED)


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


class CartItemDetailApi(APIView):
    scope = "carts"
    public_methods = ("PATCH", "DELETE")

    @extend_schema(request=CartItemUpdateInput, responses=CartOutput)
    @idempotent
    def patch(self, request, cart_id, variant_id):
        cart = get_open_cart_or_404(cart_id)
        data = CartItemUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        cart_services.update_cart_line(
            cart=cart, variant_id=variant_id, quantity=data.validated_data["quantity"]
        )
        return Response(cart_payload(cart))

    @extend_schema(request=None, responses=CartOutput)
    @idempotent
    def delete(self, request, cart_id, variant_id):
        cart = get_open_cart_or_404(cart_id)
        if not cart.lines.filter(variant_id=variant_id).exists():
            raise Http404
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
                description="The shipping address's country, ISO 3166-1 alpha-2 (e.g. US).",
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
            "currency": get_current_store().currency,
            "subtotal": view.subtotal,
            "rates": rates,
        }
        return Response(ShippingRatesOutput(body).data)
