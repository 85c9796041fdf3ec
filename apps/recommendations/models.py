"""Recommendations and shopper engagement: signals, stored neighbours, merchant rules, emails.

Everything here lives in the store's own schema. Signals arrive cheaply (views through Redis,
flushed into ``ProductViewDaily``; add-to-carts and purchases are read from the cart and order
tables at recompute time), and the periodic recompute turns them into ``ProductNeighbour`` and
``ProductRanking`` rows that pages read.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Widget(models.TextChoices):
    BOUGHT_TOGETHER = "bought_together", "Frequently bought together"
    VIEWED_TOGETHER = "viewed_together", "Customers who viewed this also viewed"
    FOR_YOU = "for_you", "For you"
    TRENDING = "trending", "Trending now"
    RECENTLY_VIEWED = "recently_viewed", "Recently viewed"


class RecommendationSettings(models.Model):
    """The merchant's switches for recommendations: one row per store schema (pk is always 1)."""

    SINGLETON_PK = 1

    show_bought_together = models.BooleanField("Frequently bought together", default=True)
    show_viewed_together = models.BooleanField("Viewed this also viewed", default=True)
    show_for_you = models.BooleanField("For you (signed-in customers)", default=True)
    show_trending = models.BooleanField("Trending (anonymous shoppers)", default=True)
    show_recently_viewed = models.BooleanField("Recently viewed", default=True)
    items_per_widget = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    back_in_stock_enabled = models.BooleanField(
        default=True, help_text="Offer “email me when it is back” on out-of-stock variants."
    )
    abandoned_cart_emails_enabled = models.BooleanField(
        default=True,
        help_text="Send one reminder for carts left with an email (delay: store settings).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "recommendation settings"
        verbose_name_plural = "recommendation settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="recs_settings_single_row")]

    def __str__(self) -> str:
        return "Recommendation settings"

    def widget_enabled(self, widget: str) -> bool:
        return bool(getattr(self, f"show_{widget}", False))


class ProductViewDaily(models.Model):
    """Product views per visitor and day, flushed from Redis (one row, many views)."""

    day = models.DateField()
    # "u:<user id>" for signed-in customers, "v:<cookie id>" for anonymous visitors.
    visitor_key = models.CharField(max_length=40)
    product = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    views = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "visitor_key", "product"], name="recs_view_one_row_per_day"
            )
        ]
        indexes = [
            models.Index(fields=["visitor_key", "day"], name="recs_view_visitor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_key} viewed {self.product_id} ×{self.views} on {self.day}"


class ProductNeighbour(models.Model):
    """One of a product's top-K similar products, replaced wholesale by each recompute."""

    class Kind(models.TextChoices):
        BOUGHT_TOGETHER = "bought_together", "Bought in the same order"
        VIEWED_TOGETHER = "viewed_together", "Viewed or carted in the same session"
        BOUGHT_BY_SAME = "bought_by_same", "Bought by the same customers"

    product = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    neighbour = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["kind", "product_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "product", "rank"], name="recs_neighbour_unique_rank"
            ),
            models.UniqueConstraint(
                fields=["kind", "product", "neighbour"], name="recs_neighbour_unique_pair"
            ),
        ]
        # neighbour lookups use the foreign key's own index (a second one served nothing)

    def __str__(self) -> str:
        return f"{self.product_id} → {self.neighbour_id} ({self.kind} #{self.rank})"


class ProductRanking(models.Model):
    """Store-wide product rankings: trending (last 7 days) and popular (fallback)."""

    class Kind(models.TextChoices):
        TRENDING = "trending", "Trending (last 7 days)"
        POPULAR = "popular", "Popular (last 90 days)"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    product = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    score = models.FloatField()
    rank = models.PositiveIntegerField()

    class Meta:
        ordering = ["kind", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "rank"], name="recs_ranking_unique_rank"),
            models.UniqueConstraint(fields=["kind", "product"], name="recs_ranking_unique_product"),
        ]
        # product lookups use the foreign key's own index (a second one served nothing)

    def __str__(self) -> str:
        return f"{self.kind} #{self.rank}: {self.product_id}"


class WidgetRule(models.Model):
    """A merchant's pin or exclusion in one widget, everywhere or on one product's page."""

    class Action(models.TextChoices):
        PIN = "pin", "Pin (always show first)"
        EXCLUDE = "exclude", "Exclude (never show)"

    widget = models.CharField(max_length=20, choices=Widget.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    product = models.ForeignKey(
        "catalog.Product", related_name="+", on_delete=models.CASCADE, help_text="Shown or hidden."
    )
    anchor = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
        help_text="Only on this product's page (product-page widgets). Empty: everywhere.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order among pins.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["widget", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["widget", "product", "anchor"],
                name="recs_rule_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.product} in {self.get_widget_display()}"


class WidgetStat(models.Model):
    """Impressions (widget rendered with items) and clicks per widget and day."""

    day = models.DateField()
    widget = models.CharField(max_length=20, choices=Widget.choices)
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "widget"]
        constraints = [
            models.UniqueConstraint(fields=["day", "widget"], name="recs_stat_one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.widget} {self.day}: {self.clicks}/{self.impressions}"

    @property
    def click_through_rate(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


class RecomputeRun(models.Model):
    """One recompute of neighbours and rankings; the latest id versions the page caches."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    orders_used = models.PositiveIntegerField(default=0)
    sessions_used = models.PositiveIntegerField(default=0)
    neighbours_stored = models.PositiveIntegerField(default=0)
    # What the signals looked like; an unchanged watermark lets the next run skip the work.
    watermark = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Recompute {self.pk} at {self.finished_at:%Y-%m-%d %H:%M} ({self.duration_ms} ms)"


class BackInStockSubscription(models.Model):
    """“Email me when it is back”: claimed once (notified_at) when the variant is available."""

    variant = models.ForeignKey("catalog.Variant", related_name="+", on_delete=models.CASCADE)
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One pending subscription per address and variant; a new one after notification.
            models.UniqueConstraint(
                fields=["variant", "email"],
                condition=Q(notified_at__isnull=True),
                name="recs_bis_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} waits for {self.variant_id}"


class AbandonedCartReminder(models.Model):
    """The one reminder a cart ever gets (the OneToOne is the “once”)."""

    cart = models.OneToOneField(
        "cart.Cart", related_name="abandoned_reminder", on_delete=models.CASCADE
    )
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Reminder for cart {self.cart_id} to {self.email}"


class EmailUnsubscribe(models.Model):
    """An address that asked for no more engagement email (reminders, back-in-stock)."""

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email
