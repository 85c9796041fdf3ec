from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse


class Category(models.Model):
    """A node of the store's category tree (adjacency list; trees here are shallow)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="children", on_delete=models.PROTECT
    )
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("storefront:category-detail", kwargs={"slug": self.slug})


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, related_name="products", on_delete=models.SET_NULL
    )
    brand = models.CharField(max_length=120, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    featured = models.BooleanField(default=False)
    # Free-form labels for merchandising ("summer", "gift idea"): lower-cased, no duplicates
    # (``apps.catalog.tags.normalize_tags``); automated collections select on them.
    tags = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    # Sold as a gift card: each variant's price is a denomination; paying for the order issues
    # one card per unit and emails its code. Such a product holds no stock and needs no shipping.
    is_gift_card = models.BooleanField(
        "gift card", default=False,
        help_text="Each variant is a denomination; buyers get a code by email, nothing is shipped.",
    )  # fmt: skip
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=320, blank=True)
    # Denormalized from reviews, updated in the same transaction as the review that moves them.
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    rating_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "featured"]),
            GinIndex(fields=["tags"], name="catalog_product_tags_gin"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("storefront:product-detail", kwargs={"slug": self.slug})


class ProductOption(models.Model):
    """An axis variants differ on, such as Size or Color."""

    product = models.ForeignKey(Product, related_name="options", on_delete=models.CASCADE)
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="catalog_option_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class OptionValue(models.Model):
    option = models.ForeignKey(ProductOption, related_name="values", on_delete=models.CASCADE)
    value = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["option", "value"], name="catalog_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.option.name}: {self.value}"


# The code of the rule between a variant's policy fields (the API answers it with a 422).
PREORDER_WITHOUT_DATE = "preorder_without_date"


class InventoryPolicy(models.TextChoices):
    """What a variant does when it is out of stock."""

    DENY = "deny", "Stop selling"
    BACKORDER = "backorder", "Continue selling (back-order)"
    PREORDER = "preorder", "Pre-order until a date"


class Variant(models.Model):
    """A sellable unit with its own SKU, price and stock."""

    product = models.ForeignKey(Product, related_name="variants", on_delete=models.CASCADE)
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True, help_text="e.g. “M / Blue”")
    option_values = models.ManyToManyField(OptionValue, related_name="variants", blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    compare_at_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    cost_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    weight_grams = models.PositiveIntegerField(default=0)
    barcode = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # Selling beyond stock (apps/inventory/policies.py applies it; units sold beyond stock are
    # recorded as back-orders, never as negative stock).
    inventory_policy = models.CharField(
        max_length=10,
        choices=InventoryPolicy.choices,
        default=InventoryPolicy.DENY,
        help_text="What happens when the variant is out of stock.",
    )
    backorder_lead_days = models.PositiveSmallIntegerField(
        default=14, help_text="Back-order: shown to shoppers as “ships in N days”."
    )
    preorder_until = models.DateField(
        null=True,
        blank=True,
        help_text="Pre-order: accepted until this date (the expected shipping date); "
        "afterwards out-of-stock units are refused again.",
    )
    preorder_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Pre-order: at most this many units. Empty: no limit."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalog_variant_price_non_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(inventory_policy="preorder")
                | models.Q(preorder_until__isnull=False),
                name="catalog_variant_preorder_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.name}" if self.name else self.product.name

    def clean(self) -> None:
        super().clean()
        if self.inventory_policy == InventoryPolicy.PREORDER and self.preorder_until is None:
            raise ValidationError(
                {
                    "preorder_until": ValidationError(
                        "A pre-order needs its shipping date.", code=PREORDER_WITHOUT_DATE
                    )
                }
            )


def product_image_path(instance: "ProductImage", filename: str) -> str:
    # Under the store's own media folder (TenantFileSystemStorage adds the schema name).
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    """A product photo. Thumbnails are made by a Celery task after the upload commits."""

    product = models.ForeignKey(Product, related_name="images", on_delete=models.CASCADE)
    image = models.ImageField(upload_to=product_image_path, max_length=255)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    thumbnail_small = models.ImageField(max_length=255, blank=True, editable=False)
    thumbnail_medium = models.ImageField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or f"Image {self.pk} of product {self.product_id}"

    @property
    def thumbnails_ready(self) -> bool:
        return bool(self.thumbnail_small and self.thumbnail_medium)


def collection_image_path(instance: "Collection", filename: str) -> str:
    return f"collections/{instance.slug}/{filename}"


class Collection(models.Model):
    """A group of products other than the category tree, with its own storefront page.

    Manual collections list hand-picked products in the merchant's order (``CollectionProduct``).
    Automated ones select products by ``CollectionRule``s, evaluated as a query whenever the
    collection is read (``apps.catalog.collections``): nothing to rebuild when products change.
    """

    class Kind(models.TextChoices):
        MANUAL = "manual", "Manual (hand-picked products)"
        AUTOMATED = "automated", "Automated (products matching rules)"

    class Match(models.TextChoices):
        ALL = "all", "Products must match all rules"
        ANY = "any", "Products may match any rule"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    description = models.TextField(blank=True)
    image = models.ImageField(upload_to=collection_image_path, max_length=255, blank=True)
    published = models.BooleanField(
        default=True, help_text="Shown on the storefront (its page, navigation and sitemap)."
    )
    position = models.PositiveIntegerField(default=0, help_text="Order in the storefront menu.")
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=320, blank=True)
    products = models.ManyToManyField(
        Product, through="CollectionProduct", related_name="collections", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("storefront:collection-detail", kwargs={"slug": self.slug})


class CollectionProduct(models.Model):
    """A hand-picked product of a manual collection, at its place in the merchant's order."""

    collection = models.ForeignKey(Collection, related_name="entries", on_delete=models.CASCADE)
    product = models.ForeignKey(
        Product, related_name="collection_entries", on_delete=models.CASCADE
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "product"], name="catalog_collection_product_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection} — {self.product}"


class CollectionRule(models.Model):
    """One condition of an automated collection; what each field means is
    ``apps.catalog.collections.rule_filter``."""

    class Field(models.TextChoices):
        TAG = "tag", "Tag is"
        BRAND = "brand", "Brand is"
        CATEGORY = "category", "In category (or below)"
        PRICE = "price", "Price between"
        OPTION = "option", "Has option value"
        IN_STOCK = "in_stock", "In stock"
        CREATED_WITHIN = "created_within", "Added within N days"

    collection = models.ForeignKey(Collection, related_name="rules", on_delete=models.CASCADE)
    field = models.CharField(max_length=20, choices=Field.choices)
    # The tag, the brand, or "Option:Value" (e.g. "Color:Black").
    value = models.CharField(max_length=130, blank=True)
    # SET_NULL, not CASCADE: a rule that vanished with its category would widen an "all rules"
    # collection to products it never meant; a rule without its category matches nothing.
    category = models.ForeignKey(
        Category, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    min_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    max_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    days = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.describe_value()}".strip()

    def describe_value(self) -> str:
        if self.field == self.Field.CATEGORY:
            return self.category.name if self.category else "(deleted category)"
        if self.field == self.Field.PRICE:
            low = "" if self.min_price is None else str(self.min_price)
            high = "" if self.max_price is None else str(self.max_price)
            return f"{low or '0'} and {high or 'any'}"
        if self.field == self.Field.CREATED_WITHIN:
            return f"{self.days} days" if self.days is not None else ""
        return self.value

    def clean(self) -> None:
        """Each field needs its own value, and only that one."""
        need = {
            "tag": "value",
            "brand": "value",
            "option": "value",
            "category": "category",
            "created_within": "days",
        }.get(self.field)
        if need == "value":
            self.value = " ".join(self.value.split())
            if not self.value:
                raise ValidationError({"value": "Enter a value for this rule."})
            if self.field == self.Field.OPTION and ":" not in self.value.strip(":"):
                raise ValidationError({"value": "Write it as Name:Value, e.g. Size:M."})
            if self.field == self.Field.TAG:
                self.value = self.value.lower()
        if need == "category" and self.category_id is None:
            raise ValidationError({"category": "Choose a category."})
        if need == "days" and not self.days:
            raise ValidationError({"days": "Enter a number of days (1 or more)."})
        if self.field == self.Field.PRICE:
            if self.min_price is None and self.max_price is None:
                raise ValidationError({"min_price": "Enter a lowest or a highest price."})
            if (
                self.min_price is not None
                and self.max_price is not None
                and self.min_price > self.max_price
            ):
                raise ValidationError({"max_price": "The highest price is below the lowest."})
