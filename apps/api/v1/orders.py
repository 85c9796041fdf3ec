"""Order endpoints: checkout in one call for storefront clients; management for integrators."""

import django_filters
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.exceptions import Unprocessable
from apps.api.filters import IsoDateTimeFilter
from apps.api.idempotency import idempotent
from apps.api.permissions import is_integrator
from apps.api.v1.carts import cart_currency
from apps.api.v1.fields import requested_market
from apps.api.v1.order_serializers import (
    CancelInput,
    FulfillmentInput,
    FulfillmentOutput,
    OrderCreatedOutput,
    OrderCreateInput,
    OrderListOutput,
    OrderOutput,
    RefundInput,
)
from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.checkout import services as checkout_services
from apps.orders import selectors as order_selectors
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.payments import services as payment_services
from apps.tenants import public_urls
from apps.tenants import selectors as tenant_selectors


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Order.Status.choices)
    payment_status = django_filters.ChoiceFilter(choices=Order.PaymentStatus.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    email = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Order
        fields = ["status", "payment_status", "email"]


def orders_visible_to(request):
    """Integrators see every order of the store; a customer only their own."""
    queryset = Order.objects.all()
    if not is_integrator(request):
        queryset = queryset.filter(user_id=request.user.id)
    return queryset


def get_order_or_404(request, order_id) -> Order:
    try:
        return order_selectors.get_order_by_token(
            token=order_id, queryset=orders_visible_to(request)
        )
    except (Order.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def payment_page_url(redirect_url: str) -> str:
    """Where the API client sends the shopper: a gateway's page on this store, on the store's
    public base (not the host the API was called on), or the provider's own absolute URL."""
    if not redirect_url.startswith("/"):
        return redirect_url
    return public_urls.store_url(tenant_selectors.get_current_store(), redirect_url)


class OrderListCreateApi(ListAPIView):
    scope = "orders"
    public_methods = ("POST",)  # guest checkout from storefront clients
    customer_methods = ("GET",)
    # The store's gateway may refuse to start a payment (test mode in production, live
    # payments not confirmed) or its provider may fail to answer.
    # cart_id or an item's variant_id may name nothing sellable: 404.
    error_statuses = {"POST": (402, 404, 502)}
    serializer_class = OrderListOutput
    filterset_class = OrderFilter

    def get_queryset(self):
        return orders_visible_to(self.request).order_by("-id")

    @extend_schema(request=OrderCreateInput, responses={201: OrderCreatedOutput})
    @idempotent
    def post(self, request):
        data = OrderCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user_id = request.user.id if request.user.is_authenticated else None
        answers = checkout_services.CheckoutAnswers(
            email=values["email"],
            address=values["shipping_address"],
            shipping_method_id=values.get("shipping_method"),
            voucher_code=values.get("voucher", ""),
        )
        # The payment starts after the order commits: ask first whether it can start at all.
        payment_method = values.get("payment_method")
        payment_services.check_store_takes_payments(payment_method)
        # A currency the store does not sell in is refused before anything is written (422).
        # None: a cart's own, or (items) the store's until the shipping country picks a market.
        currency = values.get("currency")
        market = requested_market(currency) if currency else None
        # One transaction: a one-off cart for the request's items and its order stand or fall
        # together (a refused order leaves no cart behind).
        with transaction.atomic():
            cart = self._cart_for(values, market.currency if market else None)
            order = checkout_services.checkout_in_one_step(
                cart=cart, answers=answers, user_id=user_id
            )
        if order.paid_at is not None:  # gift cards applied to the cart paid all of it
            payment: dict = {"type": "none"}
        else:
            return_url = reverse("orders:detail", args=[order.token])
            start = payment_services.start_payment(
                order_id=order.id, return_url=return_url, gateway_name=payment_method
            )
            payment = {"type": "redirect", "url": payment_page_url(start.redirect_url)}
            if start.client_secret:
                payment["client_secret"] = start.client_secret
            if start.approval_url:
                payment["approval_url"] = start.approval_url
        body = {
            "order_id": order.token,
            "number": order.number,
            "status": order.status,
            "total": order.total,
            "currency": order.currency,
            "payment": payment,
        }
        return Response(OrderCreatedOutput(body).data, status=status.HTTP_201_CREATED)

    @staticmethod
    @transaction.atomic
    def _cart_for(values, currency: str | None) -> Cart:
        """The request's cart (it keeps its currency: another ``currency`` is a 422), or a
        one-off cart of its items priced in ``currency``'s market."""
        if values.get("cart_id"):
            cart = Cart.objects.filter(token=values["cart_id"], status=Cart.Status.OPEN).first()
            if cart is None:
                raise NotFound("No open cart has this id.")
            if currency and currency != cart_currency(cart):
                raise Unprocessable(
                    f"The cart is priced in {cart_currency(cart)}: send that currency or none "
                    "(PUT /carts/{cart_id}/currency changes the cart's).",
                    code="currency_mismatch",
                    extra={"currency": currency, "cart_currency": cart_currency(cart)},
                )
            return cart
        cart = Cart.objects.create()  # a one-off cart for this request's items
        if currency:
            cart = cart_services.set_cart_currency(cart=cart, currency=currency)
        for item in values["items"]:
            cart_services.add_to_cart(cart=cart, **item)
        return cart


class OrderDetailApi(APIView):
    scope = "orders"
    customer_methods = ("GET",)

    @extend_schema(responses=OrderOutput)
    def get(self, request, order_id):
        return Response(OrderOutput(get_order_or_404(request, order_id)).data)


class OrderFulfillmentCreateApi(APIView):
    scope = "orders"

    @extend_schema(request=FulfillmentInput, responses={201: FulfillmentOutput})
    @idempotent
    def post(self, request, order_id):
        order = get_order_or_404(request, order_id)
        data = FulfillmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        fulfillment = order_services.fulfill_order(
            order_id=order.id,
            lines=[(line["line_id"], line["quantity"]) for line in data.validated_data["lines"]],
            carrier=data.validated_data.get("carrier", ""),
            tracking_number=data.validated_data.get("tracking_number", ""),
        )
        return Response(FulfillmentOutput(fulfillment).data, status=status.HTTP_201_CREATED)


class OrderCancelApi(APIView):
    scope = "orders"
    error_statuses = {"POST": (502,)}  # the refund at the provider failed

    @extend_schema(request=CancelInput, responses=OrderOutput)
    @idempotent
    def post(self, request, order_id):
        order = get_order_or_404(request, order_id)
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment_services.cancel_and_refund(order, None, **data.validated_data)
        return Response(OrderOutput(get_order_or_404(request, order_id)).data)


class OrderRefundCreateApi(APIView):
    scope = "orders"
    error_statuses = {"POST": (502,)}  # the refund at the provider failed

    @extend_schema(request=RefundInput, responses={201: OrderOutput})
    @idempotent
    def post(self, request, order_id):
        order = get_order_or_404(request, order_id)
        data = RefundInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment_services.refund_order(
            order_id=order.id,
            amount=data.validated_data["amount"],
            reason=data.validated_data.get("reason", ""),
        )
        body = OrderOutput(get_order_or_404(request, order_id)).data
        return Response(body, status=status.HTTP_201_CREATED)
