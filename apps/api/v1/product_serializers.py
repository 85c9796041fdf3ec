from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.models import InventoryPolicy, Product
from apps.core.money import quantize
from apps.markets.pricing import price_in_market

MONEY: dict = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class PriceInCurrency(serializers.DecimalField):
    """A variant's price in the request's currency (``?currency=``, ``context["market"]``):
    its fixed price there, else converted and rounded, with that currency's digits."""

    def __init__(self, *, compare_at: bool = False, **kwargs):
        self.compare_at = compare_at
        super().__init__(max_digits=13, decimal_places=3, source="*", **kwargs)

    def to_representation(self, variant):
        market = self.context.get("market")
        value = variant.compare_at_price if self.compare_at else variant.price
        if value is None:
            return None
        if market is None or market.is_base:
            return str(quantize(value))
        if self.compare_at:
            return str(price_in_market(value, market))
        return str(market.variant_price(variant.id, value))


class VariantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    price = PriceInCurrency()
    compare_at_price = PriceInCurrency(compare_at=True, allow_null=True)
    weight_grams = serializers.IntegerField()
    barcode = serializers.CharField()
    active = serializers.BooleanField()
    options = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    inventory_policy = serializers.CharField()
    backorder_lead_days = serializers.IntegerField()
    preorder_until = serializers.DateField(allow_null=True)
    preorder_cap = serializers.IntegerField(allow_null=True)

    def get_options(self, variant) -> dict[str, str]:
        return {v.option.name: v.value for v in variant.option_values.all()}

    def get_available(self, variant) -> int:
        return self.context.get("available", {}).get(variant.id, 0)


class ProductOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    status = serializers.CharField()
    category_id = serializers.IntegerField(allow_null=True)
    brand = serializers.CharField()
    attributes = serializers.DictField()
    featured = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    seo_title = serializers.CharField()
    seo_description = serializers.CharField()
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2)
    rating_count = serializers.IntegerField()
    variants = VariantOutput(many=True, source="variants.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StockInput(serializers.Serializer):
    warehouse_id = serializers.IntegerField(min_value=1, required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


MAX_STOCK_ENTRIES = 20


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "integer",
                "minimum": 0,
                "maximum": 1_000_000,
                "description": "Units at the store's default location (its first active "
                "location by priority).",
            },
            {
                "type": "array",
                "maxItems": MAX_STOCK_ENTRIES,
                "items": {
                    "type": "object",
                    "properties": {
                        "warehouse_id": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "Omitted: the default location.",
                        },
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                    },
                    "required": ["quantity"],
                },
                "description": "Units per location.",
            },
        ]
    }
)
class StockField(serializers.Field):
    """A variant's opening stock: a plain number (the default location) or a list of
    ``{"warehouse_id"?, "quantity"}``. Always validated into the list form."""

    default_error_messages = {
        "invalid": "Give a whole number of units, or a list of objects (warehouse_id, quantity).",
    }

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            if not 0 <= data <= 1_000_000:
                raise serializers.ValidationError("Stock is a number from 0 to 1000000.")
            return [{"quantity": data}] if data else []
        if not isinstance(data, list):
            self.fail("invalid")
        entries = StockInput(data=data, many=True, max_length=MAX_STOCK_ENTRIES)
        entries.is_valid(raise_exception=True)
        return entries.validated_data

    def to_representation(self, value):
        return value


class VariantInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    price = serializers.DecimalField(**MONEY)
    compare_at_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    cost_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    weight_grams = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
    options = serializers.DictField(child=serializers.CharField(max_length=60), required=False)
    stock = StockField(required=False)
    inventory_policy = serializers.ChoiceField(choices=InventoryPolicy.choices, required=False)
    backorder_lead_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    preorder_until = serializers.DateField(required=False, allow_null=True)
    preorder_cap = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True
    )


class VariantPolicyInput(serializers.Serializer):
    """PATCH of a variant's out-of-stock policy: deny, backorder, or preorder (with its date)."""

    inventory_policy = serializers.ChoiceField(choices=InventoryPolicy.choices, required=False)
    backorder_lead_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    preorder_until = serializers.DateField(required=False, allow_null=True)
    preorder_cap = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True
    )


class ProductWriteFields(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=220, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    category_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    brand = serializers.CharField(max_length=120, required=False, allow_blank=True)
    attributes = serializers.DictField(required=False)
    featured = serializers.BooleanField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=50,
        required=False,
        help_text="Lower-cased on save; duplicates dropped.",
    )
    seo_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    seo_description = serializers.CharField(max_length=320, required=False, allow_blank=True)


class ProductCreateInput(ProductWriteFields):
    variants = VariantInput(many=True, min_length=1, max_length=100)


class ProductUpdateInput(ProductWriteFields):
    """PATCH: read-only fields (id, rating, timestamps, variants) are not accepted here;
    unknown fields are ignored, as DRF does."""

    name = serializers.CharField(max_length=200, required=False)


class CategoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()


class InventoryChangeInput(serializers.Serializer):
    REASONS = ["restock", "adjustment", "correction"]

    variant_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    warehouse_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    reason = serializers.ChoiceField(choices=REASONS)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs["quantity"] == 0:
            raise serializers.ValidationError({"quantity": "Must not be zero."})
        if attrs["reason"] == "restock" and attrs["quantity"] < 0:
            raise serializers.ValidationError({"quantity": "A restock adds units (> 0)."})
        return attrs


def _inventory_change(reasons: list[str], quantity: dict, description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "variant_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            "quantity": {"type": "integer", **quantity},
            "warehouse_id": {
                "type": "integer",
                "minimum": 1,
                "maximum": 2**31 - 1,
                "description": "Omitted: the store's default location.",
            },
            "reason": {"type": "string", "enum": reasons},
            "note": {"type": "string", "maxLength": 255},
        },
        "required": ["variant_id", "quantity", "reason"],
    }


# What InventoryChangeInput accepts, said in the schema (the serializer's own mapping cannot
# say "a restock adds units; an adjustment is any change but zero").
INVENTORY_CHANGE_SCHEMA = {
    "oneOf": [
        _inventory_change(["restock"], {"minimum": 1, "maximum": 1_000_000}, "Units received."),
        _inventory_change(
            ["adjustment", "correction"],
            {"minimum": -1_000_000, "maximum": 1_000_000, "not": {"enum": [0]}},
            "Units added (positive) or removed (negative).",
        ),
    ]
}


class StockLevelOutput(serializers.Serializer):
    variant_id = serializers.IntegerField()
    sku = serializers.CharField(source="variant.sku")
    warehouse_id = serializers.IntegerField()
    warehouse = serializers.CharField(source="warehouse.name")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.SerializerMethodField(
        help_text="Units a shopper can buy now: expired holds count as free; 0 in an "
        "inactive warehouse."
    )

    def get_available(self, level) -> int:
        return level.free_units or 0
