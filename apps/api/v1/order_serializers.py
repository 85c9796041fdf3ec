from decimal import Decimal

from rest_framework import serializers

from apps.api.v1.fields import MONEY, AmountOutput, CountryCodeField, CurrencyCodeField
from apps.cart.services import MAX_LINE_QUANTITY
from apps.orders.models import Order
from apps.payments.gateways import registry as gateway_registry


class AddressInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=120)
    line1 = serializers.CharField(max_length=120)
    line2 = serializers.CharField(max_length=120, required=False, allow_blank=True)
    city = serializers.CharField(max_length=120)
    region = serializers.CharField(max_length=120, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=16)
    country = CountryCodeField()
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class OrderItemInput(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
    gift_card = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False,
        help_text="For a gift card product: recipient_name, recipient_email, message.",
    )  # fmt: skip


class OrderCreateInput(serializers.Serializer):
    cart_id = serializers.UUIDField(required=False)
    items = OrderItemInput(many=True, required=False, min_length=1, max_length=100)
    email = serializers.EmailField()
    shipping_address = AddressInput()
    shipping_method = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="A rate id from GET /carts/{cart_id}/shipping-rates. Omitted: the cheapest "
        "rate that serves the shipping address (the first one that endpoint lists).",
    )
    voucher = serializers.CharField(max_length=40, required=False, allow_blank=True)
    currency = CurrencyCodeField(
        required=False,
        help_text="With items: the order's currency (ISO 4217), the store's own or one of its "
        "markets' (default: the store's). With cart_id: the cart's currency, which the order "
        "keeps (another → 422 `currency_mismatch`; PUT /carts/{cart_id}/currency changes it).",
    )
    payment_method = serializers.ChoiceField(
        choices=gateway_registry.gateway_names(),
        required=False,
        help_text="The gateway that takes the payment, one the store has enabled (its payment "
        "page offers the same choice). Omitted: the store's default (first enabled) gateway. "
        "A method the store has not enabled → 400 `payment_method_not_enabled`.",
    )

    openapi_extra = {"oneOf": [{"required": ["cart_id"]}, {"required": ["items"]}]}

    def validate(self, attrs):
        if ("cart_id" in attrs) == ("items" in attrs):
            raise serializers.ValidationError("Send either cart_id or items, not both.")
        return attrs


class OrderLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    variant_id = serializers.IntegerField(allow_null=True)
    sku = serializers.CharField()
    product = serializers.CharField(source="product_name")
    variant = serializers.CharField(source="variant_name")
    quantity = serializers.IntegerField()
    quantity_fulfilled = serializers.IntegerField()
    quantity_returned = serializers.IntegerField()
    unit_price = AmountOutput()
    tax_amount = AmountOutput()
    line_total = AmountOutput()
    backordered_quantity = serializers.IntegerField()
    backorder_kind = serializers.CharField()
    backorder_ships_on = serializers.DateField(allow_null=True)


class FulfillmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class OrderPaymentOutput(serializers.Serializer):
    """One of the order's payments: several when a gift card paid part of it (split tender)."""

    method = serializers.CharField(
        source="gateway", help_text="gift_card, or the gateway that took it (test, stripe, paypal)."
    )
    gateway = serializers.CharField()
    gift_card_last4 = serializers.SerializerMethodField(
        help_text="The last 4 characters of the gift card's code (gift card payments only)."
    )
    amount = AmountOutput()
    currency = serializers.CharField()
    status = serializers.CharField()
    amount_refunded = AmountOutput()
    applied_to_order = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_gift_card_last4(self, payment) -> str | None:
        return payment.gift_card.last4 if payment.gift_card_id else None


class OrderOutput(serializers.Serializer):
    id = serializers.UUIDField(source="token")
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    payment_status = serializers.ChoiceField(choices=Order.PaymentStatus.choices)
    email = serializers.EmailField()
    currency = serializers.CharField()
    subtotal = AmountOutput()
    discount_total = AmountOutput()
    shipping_total = AmountOutput()
    tax_total = AmountOutput()
    total = AmountOutput()
    amount_refunded = AmountOutput()
    shipping_address = serializers.DictField(child=serializers.CharField(allow_blank=True))
    shipping_method = serializers.CharField(source="shipping_method_name")
    voucher_code = serializers.CharField()
    items = OrderLineOutput(source="lines.all", many=True)
    fulfillments = FulfillmentOutput(source="fulfillments.all", many=True)
    payments = OrderPaymentOutput(source="payments.all", many=True)
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)


class OrderListOutput(serializers.Serializer):
    id = serializers.UUIDField(source="token")
    number = serializers.IntegerField()
    status = serializers.CharField()
    payment_status = serializers.CharField()
    email = serializers.EmailField()
    total = AmountOutput()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()


class PaymentActionOutput(serializers.Serializer):
    type = serializers.CharField()
    url = serializers.URLField(required=False)
    client_secret = serializers.CharField(required=False)
    # The provider's own page where the shopper approves (PayPal): an app may open it directly
    # instead of our payment page ("url"), which links to it.
    approval_url = serializers.URLField(required=False)


class OrderCreatedOutput(serializers.Serializer):
    """``payment.type``: "redirect" (send the shopper to ``payment.url``) or "none" (the
    order is paid already: gift cards applied to the cart covered it)."""

    order_id = serializers.UUIDField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    total = AmountOutput()
    currency = serializers.CharField()
    payment = PaymentActionOutput()


class FulfillmentLineInput(serializers.Serializer):
    line_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class FulfillmentInput(serializers.Serializer):
    lines = FulfillmentLineInput(many=True, min_length=1, max_length=200)
    carrier = serializers.CharField(max_length=60, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    refund = serializers.BooleanField(default=True)


class RefundInput(serializers.Serializer):
    # In the order's currency, to its minor unit (the refund service rounds to it).
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.001"))
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
