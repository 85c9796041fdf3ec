"""Checkout state plus the rules it prices with: shipping zones and methods, tax rates, vouchers."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from apps.checkout.addresses import FIELDS as ADDRESS_FIELDS

MONEY: dict = {"max_digits": 12, "decimal_places": 2}


class ShippingZone(models.Model):
    name = models.CharField(max_length=100)
    countries = ArrayField(
        models.CharField(max_length=2), help_text="ISO 3166-1 alpha-2 codes, e.g. US, CA"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ShippingMethod(models.Model):
    class Kind(models.TextChoices):
        FLAT = "flat", "Flat rate"
        BY_WEIGHT = "weight", "By weight"

    zone = models.ForeignKey(ShippingZone, related_name="methods", on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FLAT)
    price = models.DecimalField(**MONEY, default=Decimal("0"), help_text="Flat price or base fee")
    price_per_kg = models.DecimalField(**MONEY, default=Decimal("0"))
    free_over = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Free when the subtotal reaches this amount"
    )
    max_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["zone", "price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0) & Q(price_per_kg__gte=0), name="shipping_price_non_neg"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone})"


class TaxRate(models.Model):
    country = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=60, default="VAT")
    rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="0.2000 for 20 %",
    )

    class Meta:
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country} {self.rate:%}"


class Voucher(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage off the subtotal"
        FIXED = "fixed", "Fixed amount off the subtotal"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    code = models.CharField(max_length=40, unique=True, help_text="Stored upper-case")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.DecimalField(**MONEY, default=Decimal("0"), help_text="Percent or amount")
    minimum_subtotal = models.DecimalField(**MONEY, default=Decimal("0"))
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    usage_limit_per_customer = models.PositiveIntegerField(null=True, blank=True)
    times_used = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="voucher_usage_within_limit",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="voucher_value_non_neg"),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class VoucherRedemption(models.Model):
    voucher = models.ForeignKey(Voucher, related_name="redemptions", on_delete=models.PROTECT)
    order = models.OneToOneField(
        "orders.Order", related_name="voucher_redemption", on_delete=models.CASCADE
    )
    email = models.EmailField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.voucher} on {self.order_id}"


class Checkout(models.Model):
    """A cart on its way to becoming an order: contact, address, delivery, voucher."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cart = models.OneToOneField("cart.Cart", related_name="checkout", on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    email = models.EmailField(blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    shipping_method = models.ForeignKey(
        ShippingMethod, null=True, blank=True, on_delete=models.SET_NULL
    )
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Checkout {self.token}"

    @property
    def reservation_reference(self) -> str:
        return f"checkout:{self.token}"


class SavedAddress(models.Model):
    """An address in a signed-in customer's address book (``address_book.py``).

    The fields are those of ``addresses.FIELDS``, checked by ``addresses.clean_address``; a
    checkout copies one into its own snapshot. At most one default of each kind per customer.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="saved_addresses", on_delete=models.CASCADE
    )
    full_name = models.CharField(max_length=120)
    line1 = models.CharField(max_length=120)
    line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=120)
    region = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=16)
    country = models.CharField(max_length=2)
    phone = models.CharField(max_length=32, blank=True)
    is_default_shipping = models.BooleanField(default=False)
    is_default_billing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default_shipping", "-is_default_billing", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default_shipping=True),
                name="checkout_one_default_shipping_address",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default_billing=True),
                name="checkout_one_default_billing_address",
            ),
        ]
        verbose_name_plural = "saved addresses"

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city}"

    def as_dict(self) -> dict:
        """The address as checkouts and orders store it."""
        return {field: getattr(self, field) for field in ADDRESS_FIELDS}


class CartGiftCard(models.Model):
    """A gift card applied to a cart through the API: spent on the order placed from the cart
    (``services.place_order``). Holds the card, never its code."""

    cart = models.ForeignKey("cart.Cart", related_name="+", on_delete=models.CASCADE)
    gift_card = models.ForeignKey("payments.GiftCard", related_name="+", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "gift_card"], name="checkout_cart_gift_card")
        ]

    def __str__(self) -> str:
        return f"Gift card {self.gift_card_id} on cart {self.cart_id}"


class Promotion(models.Model):
    """An automatic discount: no code, applied by ``pricing.compute_totals`` wherever a basket
    is priced (cart, checkout, order placement) while it is active and between its times.

    Promotions apply by priority (higher first, then oldest). One that does not combine with
    other promotions applies only alone: it is skipped when another already applied, and once
    it applies nothing after it does. A promotion that does not combine with vouchers makes an
    entered voucher unusable while it applies.
    """

    class Kind(models.TextChoices):
        ITEMS = "items", "Percentage or amount off items"
        BUY_X_GET_Y = "buy_x_get_y", "Buy X get Y (the cheapest items discounted)"
        ORDER = "order", "Order discount over an amount (spend X save Y)"
        FREE_SHIPPING = "free_shipping", "Free shipping over an amount"

    class ValueType(models.TextChoices):
        PERCENT = "percent", "Percentage"
        FIXED = "fixed", "Fixed amount"

    class AppliesTo(models.TextChoices):
        ALL = "all", "All products"
        PRODUCTS = "products", "Chosen products"
        CATEGORIES = "categories", "Chosen categories (with their subcategories)"
        COLLECTIONS = "collections", "Chosen collections"

    name = models.CharField(max_length=100, help_text="Shown to shoppers, e.g. “20 % off shoes”")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ITEMS)
    value_type = models.CharField(
        max_length=8, choices=ValueType.choices, default=ValueType.PERCENT
    )
    value = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        help_text="Percent, or amount: off each unit (items) or off the order (order). "
        "Buy X get Y: percent off the Y items (100 = free).",
    )
    applies_to = models.CharField(max_length=12, choices=AppliesTo.choices, default=AppliesTo.ALL)
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+")
    collections = models.ManyToManyField("catalog.Collection", blank=True, related_name="+")
    buy_quantity = models.PositiveSmallIntegerField(default=0, help_text="Buy X get Y: X")
    get_quantity = models.PositiveSmallIntegerField(default=0, help_text="Buy X get Y: Y")
    minimum_subtotal = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        help_text="Order discount and free shipping: the eligible items' subtotal needed",
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    priority = models.IntegerField(default=0, help_text="Higher applies first")
    combines_with_promotions = models.BooleanField(default=False)
    combines_with_vouchers = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="promotion_value_non_neg"),
            models.CheckConstraint(
                condition=~Q(value_type="percent") | Q(value__lte=100),
                name="promotion_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="promotion_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.value_type == self.ValueType.PERCENT and self.value > 100:
            errors["value"] = "A percentage is at most 100."
        if self.kind == self.Kind.BUY_X_GET_Y:
            if not self.buy_quantity or not self.get_quantity:
                errors["buy_quantity"] = "Buy X get Y needs both quantities (e.g. buy 2 get 1)."
            if self.value_type != self.ValueType.PERCENT:
                errors["value_type"] = "Buy X get Y takes a percentage off (100 = free)."
        takes_off = (self.Kind.ITEMS, self.Kind.ORDER, self.Kind.BUY_X_GET_Y)
        if self.kind in takes_off and not self.value:
            errors["value"] = "Enter how much is taken off."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must come after the start."
        if errors:
            raise ValidationError(errors)
