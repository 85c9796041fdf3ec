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


class CartOutput(serializers.Serializer):
    cart_id = serializers.UUIDField(source="cart.token")
    items = CartLineOutput(source="lines", many=True)
    item_count = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
