from rest_framework import serializers

from apps.catalog.models import Collection, CollectionRule

MONEY: dict = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class CollectionRuleOutput(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()
    category_id = serializers.IntegerField(allow_null=True)
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    days = serializers.IntegerField(allow_null=True)


class CollectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    match = serializers.CharField()
    description = serializers.CharField()
    image = serializers.SerializerMethodField()
    published = serializers.BooleanField()
    position = serializers.IntegerField()
    seo_title = serializers.CharField()
    seo_description = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")
    rules = CollectionRuleOutput(many=True, source="rules.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_image(self, collection) -> str | None:
        return collection.image.url if collection.image else None


class CollectionProductOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class CollectionDetailOutput(CollectionOutput):
    product_count = serializers.IntegerField(help_text="Active products in the collection now.")
    products = CollectionProductOutput(
        many=True,
        source="products_shown",
        help_text="The first 100 in the collection's order; all of them, with variants and "
        "stock: GET /products?collection={id}.",
    )


class CollectionRuleInput(serializers.Serializer):
    field = serializers.ChoiceField(choices=CollectionRule.Field.choices)
    value = serializers.CharField(max_length=130, required=False, allow_blank=True, default="")
    category_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    min_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    max_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True)


class CollectionWriteFields(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=140, required=False)
    kind = serializers.ChoiceField(choices=Collection.Kind.choices, required=False)
    match = serializers.ChoiceField(choices=Collection.Match.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    published = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    seo_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    seo_description = serializers.CharField(max_length=320, required=False, allow_blank=True)
    rules = CollectionRuleInput(many=True, required=False)  # at most 20 (the service checks)
    product_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=5000,
        help_text="Manual collections: the products, in order (replaces the old list).",
    )


class CollectionCreateInput(CollectionWriteFields):
    pass


class CollectionUpdateInput(CollectionWriteFields):
    """PATCH: given ``rules`` or ``product_ids`` replace the old ones."""

    name = serializers.CharField(max_length=120, required=False)
