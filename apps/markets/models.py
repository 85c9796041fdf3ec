"""Markets: sets of countries that shop in their own (presentment) currency.

The store's currency stays the accounting currency (catalog prices, reports, commission). A
market converts base prices with its exchange rate and rounding rule, unless a fixed price per
variant (``MarketPrice``) says otherwise. Shipping rates and voucher amounts are converted too,
and can be fixed per market (``MarketShippingRate``, ``MarketVoucher``). Tax rates stay by
country. Every table is in the store's schema.
"""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core import money
from apps.core.money import MoneyField


class Market(models.Model):
    class Rounding(models.TextChoices):
        NONE = "none", "None (the currency's minor unit)"
        NINETY_NINE = "0.99", "Up to .99"
        NINETY_FIVE = "0.95", "Up to .95"
        WHOLE = "whole", "Up to whole units"

    name = models.CharField(max_length=100)
    countries = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        help_text="ISO 3166-1 alpha-2 codes whose shoppers see this market by default, e.g. DE, FR",
    )
    currency = models.CharField(max_length=3, unique=True, help_text="ISO 4217 code, e.g. EUR")
    exchange_rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text="Units of this currency for one unit of the store's currency",
    )
    rate_source = models.CharField(max_length=60, default="manual")
    rate_updated_at = models.DateTimeField(null=True, blank=True)
    rounding = models.CharField(max_length=8, choices=Rounding.choices, default=Rounding.NONE)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="market_rate_positive")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def clean(self) -> None:
        self.currency = (self.currency or "").strip().upper()
        self.countries = [c.strip().upper() for c in self.countries if c.strip()]
        if not money.is_currency(self.currency):
            raise ValidationError({"currency": f"{self.currency} is not an ISO 4217 currency."})
        ending = self.rounding in (self.Rounding.NINETY_NINE, self.Rounding.NINETY_FIVE)
        if ending and money.minor_units(self.currency) < 2:
            raise ValidationError(
                {"rounding": f"{self.currency} has no cents: round to whole units instead."}
            )


class MarketPrice(models.Model):
    """A variant's fixed price in a market's currency: used instead of the conversion."""

    market = models.ForeignKey(Market, related_name="prices", on_delete=models.CASCADE)
    variant = models.ForeignKey("catalog.Variant", related_name="+", on_delete=models.CASCADE)
    price = MoneyField(validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["market", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["market", "variant"], name="market_price_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="market_price_non_neg"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.price} {self.market.currency}"


class MarketShippingRate(models.Model):
    """A delivery method's price in a market's currency (else its price is converted)."""

    market = models.ForeignKey(Market, related_name="shipping_rates", on_delete=models.CASCADE)
    shipping_method = models.ForeignKey(
        "checkout.ShippingMethod", related_name="+", on_delete=models.CASCADE
    )
    price = MoneyField(validators=[MinValueValidator(Decimal("0"))])
    free_over = MoneyField(
        null=True, blank=True, help_text="Free from this subtotal (else the method's, converted)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["market", "shipping_method"], name="market_shipping_rate_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipping_method_id}: {self.price} {self.market.currency}"


class MarketVoucher(models.Model):
    """A fixed-amount voucher's amount and minimum subtotal in a market's currency."""

    market = models.ForeignKey(Market, related_name="vouchers", on_delete=models.CASCADE)
    voucher = models.ForeignKey("checkout.Voucher", related_name="+", on_delete=models.CASCADE)
    value = MoneyField(validators=[MinValueValidator(Decimal("0"))])
    minimum_subtotal = MoneyField(default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["market", "voucher"], name="market_voucher_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id}: {self.value} {self.market.currency}"
