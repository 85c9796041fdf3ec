from django_countries import countries
from rest_framework import serializers

from apps.cart.services import MAX_LINE_QUANTITY


class CartItemInput(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CartItemUpdateInput(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)


class CartLineOutput(serializers.Serializer):
    variant_id = serializers.IntegerField(source="variant.id")
    sku = serializers.CharField(source="variant.sku")
    product = serializers.CharField(source="variant.product.name")
    variant = serializers.CharField(source="variant.name")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    available = serializers.IntegerField()


class AppliedPromotionOutput(serializers.Serializer):
    name = serializers.CharField(source="label")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    free_shipping = serializers.BooleanField()


class CartOutput(serializers.Serializer):
    cart_id = serializers.UUIDField(source="cart.token")
    items = CartLineOutput(source="lines", many=True)
    item_count = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount_total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="What the store's promotions take off."
    )
    promotions = AppliedPromotionOutput(many=True)
    total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="What the items cost after promotions: shipping, vouchers and tax depend on "
        "the order; GET /carts/{cart_id}/shipping-rates gives the total with each rate.",
    )
    currency = serializers.CharField()


class ShippingRatesQuery(serializers.Serializer):
    country = serializers.CharField(
        min_length=2,
        max_length=2,
        help_text="The shipping address's country (ISO 3166-1 alpha-2): zones are by country.",
    )

    def validate_country(self, value: str) -> str:
        value = value.upper()
        if value not in dict(countries):
            raise serializers.ValidationError("Not an ISO 3166-1 alpha-2 country code.")
        return value


class ShippingRateOutput(serializers.Serializer):
    id = serializers.IntegerField(
        source="method.id", help_text="Send as shipping_method to POST /orders."
    )
    name = serializers.CharField(source="method.name")
    zone = serializers.CharField(source="method.zone.name")
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="The order's total with this rate (items, shipping, tax; before vouchers).",
    )


class ShippingRatesOutput(serializers.Serializer):
    cart_id = serializers.UUIDField()
    country = serializers.CharField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    rates = ShippingRateOutput(
        many=True,
        help_text="Cheapest first; POST /orders without shipping_method uses the first.",
    )
