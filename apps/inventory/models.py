from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Warehouse(models.Model):
    name = models.CharField(max_length=120, unique=True)
    address = models.TextField(blank=True)
    country = models.CharField(max_length=2, default="US")
    # Lower numbers ship first when a line is reserved across warehouses.
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """Units of one variant in one warehouse. Available = on_hand − reserved."""

    variant = models.ForeignKey(
        "catalog.Variant", related_name="stock_levels", on_delete=models.CASCADE
    )
    warehouse = models.ForeignKey(Warehouse, related_name="stock_levels", on_delete=models.PROTECT)
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["variant_id", "warehouse__priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "warehouse"], name="inventory_stock_unique_variant_warehouse"
            ),
            # The invariant the whole checkout rests on: never negative, never oversold.
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="inventory_stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """The ledger: one row per change of on_hand. Its deltas sum to on_hand."""

    class Reason(models.TextChoices):
        SALE = "sale", "Sale"
        RETURN = "return", "Return"
        RESTOCK = "restock", "Restock"
        ADJUSTMENT = "adjustment", "Adjustment"
        CORRECTION = "correction", "Correction"

    variant = models.ForeignKey(
        "catalog.Variant", related_name="stock_movements", on_delete=models.PROTECT
    )
    warehouse = models.ForeignKey(
        Warehouse, related_name="stock_movements", on_delete=models.PROTECT
    )
    delta = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    order_reference = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["variant", "warehouse"])]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.reason} ({self.variant_id}@{self.warehouse_id})"


class Reservation(models.Model):
    """PROVISIONAL (checkout branch): replaced by the inventory branch's model at merge."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        COMMITTED = "committed", "Committed"
        RELEASED = "released", "Released"

    reference = models.CharField(max_length=80, db_index=True)
    variant = models.ForeignKey("catalog.Variant", related_name="+", on_delete=models.PROTECT)
    warehouse = models.ForeignKey(Warehouse, related_name="+", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} × {self.variant_id}"
