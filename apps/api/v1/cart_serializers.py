from rest_framework import serializers

from apps.api.v1.fields import AmountOutput, CountryCodeField, CurrencyCodeField
from apps.cart.services import MAX_LINE_QUANTITY


class CartItemInput(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
    gift_card = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False,
        help_text="For a gift card product: recipient_name, recipient_email, message.",
    )  # fmt: skip


class GiftCardRecipientInput(serializers.Serializer):
    recipient_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    recipient_email = serializers.EmailField(
        required=False, allow_blank=True,
        help_text="Where the code is emailed once the order is paid (blank: the buyer).",
    )  # fmt: skip
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class CartGiftCardInput(serializers.Serializer):
    code = serializers.CharField(
        max_length=64, help_text="The gift card's code as the shopper typed it (any case, dashes "
        "optional). Code entry is limited to 10 tries per 15 minutes per client.",
    )  # fmt: skip


class CartGiftCardOutput(serializers.Serializer):
    id = serializers.IntegerField(
        source="gift_card_id", help_text="DELETE /carts/{cart_id}/gift-cards/{id} removes it."
    )
    last4 = serializers.CharField()
    balance = AmountOutput()
    currency = serializers.CharField()
    amount = AmountOutput(
        help_text="What this card would pay of the cart's total (cards pay in the order applied).",
    )  # fmt: skip


class CartCurrencyInput(serializers.Serializer):
    currency = CurrencyCodeField(
        help_text="Price the cart in this currency (ISO 4217): the store's own or one of its "
        "markets'. The lines are re-priced; the order is placed in it."
    )


class CartCreateInput(serializers.Serializer):
    currency = CurrencyCodeField(
        required=False,
        help_text="The cart's currency (ISO 4217), the store's own or one of its markets'; "
        "default: the store's currency.",
    )


class CartItemUpdateInput(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)


class CartLineOutput(serializers.Serializer):
    variant_id = serializers.IntegerField(source="variant.id")
    sku = serializers.CharField(source="variant.sku")
    product = serializers.CharField(source="variant.product.name")
    variant = serializers.CharField(source="variant.name")
    quantity = serializers.IntegerField()
    unit_price = AmountOutput()
    line_total = AmountOutput()
    available = serializers.IntegerField()


class AppliedPromotionOutput(serializers.Serializer):
    name = serializers.CharField(source="label")
    amount = AmountOutput()
    free_shipping = serializers.BooleanField()


class CartOutput(serializers.Serializer):
    cart_id = serializers.UUIDField(source="cart.token")
    items = CartLineOutput(source="lines", many=True)
    item_count = serializers.IntegerField()
    subtotal = AmountOutput()
    discount_total = AmountOutput(help_text="What the store's promotions take off.")
    promotions = AppliedPromotionOutput(many=True)
    total = AmountOutput(
        help_text="What the items cost after promotions: shipping, vouchers and tax depend on "
        "the order; GET /carts/{cart_id}/shipping-rates gives the total with each rate.",
    )
    currency = serializers.CharField(help_text="Every amount of the cart is in this currency.")
    gift_cards = CartGiftCardOutput(many=True, help_text="Gift cards applied to the cart.")
    amount_due = AmountOutput(
        help_text="The total less what the applied gift cards pay: what is left for the payment "
        "method (before shipping and tax, which the order adds).",
    )  # fmt: skip
    requires_shipping = serializers.BooleanField(
        help_text="False when every item is a gift card: the order needs no shipping method."
    )


class ShippingRatesQuery(serializers.Serializer):
    country = CountryCodeField(
        help_text="The shipping address's country (ISO 3166-1 alpha-2): zones are by country."
    )


class ShippingRateOutput(serializers.Serializer):
    id = serializers.IntegerField(
        source="method.id", help_text="Send as shipping_method to POST /orders."
    )
    name = serializers.CharField(source="method.name")
    zone = serializers.CharField(source="method.zone.name")
    price = AmountOutput()
    tax_total = AmountOutput()
    total = AmountOutput(
        help_text="The order's total with this rate (items, shipping, tax; before vouchers).",
    )


class ShippingRatesOutput(serializers.Serializer):
    cart_id = serializers.UUIDField()
    country = serializers.CharField()
    currency = serializers.CharField()
    subtotal = AmountOutput()
    rates = ShippingRateOutput(
        many=True,
        help_text="Cheapest first; POST /orders without shipping_method uses the first.",
    )
