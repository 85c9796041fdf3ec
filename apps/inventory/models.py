"""Stock: warehouses, per-warehouse counters, holds taken by checkouts, and the ledger.

Invariants (architecture §3), kept under any concurrency by ``services.py``:
- per stock row ``0 <= reserved <= on_hand`` (database CHECK constraints);
- ``reserved`` equals the sum of the row's active reservations;
- ``on_hand`` equals the sum of the row's ledger deltas (StockMovement).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.catalog.models import Variant


class Warehouse(models.Model):
    name = models.CharField(max_length=120, unique=True)
    address = models.TextField(blank=True)
    country = models.CharField(max_length=2, default="US")
    # Lower numbers ship first when a line is reserved across warehouses.
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(
        default=True, help_text="Inactive warehouses are neither shown nor reserved from."
    )
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
    low_stock_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Alert when the variant's availability falls below this. "
        "Empty: the store's default (the largest value set on any warehouse row wins).",
    )
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


class Reservation(models.Model):
    """Units of one stock row held for a checkout until ``expires_at``.

    An active hold is counted in its stock row's ``reserved``. Every ``reserve`` call for a
    reference creates one ``batch`` of holds (one per stock row it takes from); re-reserving
    releases the previous batch.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        COMMITTED = "committed", "Committed"
        RELEASED = "released", "Released"

    class ReleaseReason(models.TextChoices):
        NONE = "", "—"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Released by the checkout"
        REPLACED = "replaced", "Replaced by a new reservation"

    reference = models.CharField(max_length=100, help_text="e.g. checkout:<token>")
    batch = models.UUIDField(default=uuid.uuid4, editable=False)
    stock_level = models.ForeignKey(
        StockLevel, related_name="reservations", on_delete=models.PROTECT
    )
    # Copied from ``stock_level`` (which the database does check) for filters and reports. No
    # foreign-key constraint of their own: checking one would take a key-share lock on the hot
    # variant's row in every reservation's commit, while its stock row is locked.
    # Nor an index: every index is written by every reservation.
    variant = models.ForeignKey(
        "catalog.Variant",
        related_name="reservations",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
    )
    warehouse = models.ForeignKey(
        Warehouse,
        related_name="reservations",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
    )
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    release_reason = models.CharField(
        max_length=10, choices=ReleaseReason.choices, default="", blank=True
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_reservation_quantity_positive"
            ),
        ]
        indexes = [
            # "Does this checkout hold anything?" on every reserve, and its latest batch.
            models.Index(fields=["reference", "state"], name="inventory_res_reference"),
            # The sweeper's scan and the reclaim/availability lookups touch active holds only.
            models.Index(
                fields=["expires_at"], condition=Q(state="active"), name="inventory_res_active_exp"
            ),
            models.Index(
                fields=["stock_level", "expires_at"],
                condition=Q(state="active"),
                name="inventory_res_active_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} × {self.variant_id}@{self.warehouse_id}"

    @property
    def is_expired(self) -> bool:
        return self.state == self.State.ACTIVE and self.expires_at <= timezone.now()


class StockMovement(models.Model):
    """The ledger: one row per change of on_hand. Its deltas sum to on_hand.

    ``correction`` rows written by the reconciler have delta 0: they record, in the note, how
    the counters were repaired to match the ledger and the live reservations.
    """

    class Reason(models.TextChoices):
        SALE = "sale", "Sale"
        RETURN = "return", "Return"
        RESTOCK = "restock", "Restock"
        ADJUSTMENT = "adjustment", "Adjustment"
        CORRECTION = "correction", "Correction"
        IMPORT = "import", "Import"
        INITIAL = "initial", "Initial stock"
        BACKORDER = "backorder", "Back-ordered"
        BACKORDER_FILL = "backorder_fill", "Back-order filled"

    variant = models.ForeignKey(
        "catalog.Variant", related_name="stock_movements", on_delete=models.PROTECT
    )
    warehouse = models.ForeignKey(
        Warehouse, related_name="stock_movements", on_delete=models.PROTECT
    )
    delta = models.IntegerField()
    # Units sold beyond stock: +n when a paid order back-orders them (delta 0: nothing left
    # the shelf), −n when received stock fills them (with delta −n). Their sum per variant is
    # what is still owed to customers; on_hand never goes negative for them.
    backordered = models.IntegerField(default=0, db_default=0)
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


class Backorder(models.Model):
    """Units of one variant an order bought beyond stock, owed until received stock fills them.

    ``pending`` while the order awaits payment (it counts against a pre-order cap, like a hold),
    ``waiting`` once paid (a ``backorder`` ledger row records it), ``filled`` when receiving
    stock allocated every unit (oldest first), ``cancelled`` with its order.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        WAITING = "waiting", "Waiting for stock"
        FILLED = "filled", "Filled"
        CANCELLED = "cancelled", "Cancelled"

    class Kind(models.TextChoices):
        BACKORDER = "backorder", "Back-order"
        PREORDER = "preorder", "Pre-order"

    reference = models.CharField(max_length=100, help_text="The checkout's stock reference")
    order_reference = models.CharField(max_length=64, blank=True)
    variant = models.ForeignKey(
        "catalog.Variant", related_name="backorders", on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity = models.PositiveIntegerField()
    filled_quantity = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    ships_on = models.DateField(help_text="When the customer was told it ships.")
    expires_at = models.DateTimeField(help_text="An unpaid order's back-order lapses then.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(filled_quantity__lte=F("quantity")),
                name="inventory_backorder_filled_within_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["reference", "state"], name="inventory_bo_reference"),
            # Receiving stock fills the variant's waiting back-orders, oldest first.
            models.Index(
                fields=["variant", "id"], condition=Q(state="waiting"), name="inventory_bo_waiting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} × {self.variant_id} ({self.state})"

    @property
    def outstanding(self) -> int:
        return self.quantity - self.filled_quantity


class LowStockAlert(models.Model):
    """A variant's availability fell below its threshold; its owners are told once.

    At most one open alert per variant (partial unique constraint); it is resolved when a
    restock brings availability back to the threshold or above, so the next fall alerts again.
    """

    variant = models.ForeignKey(
        "catalog.Variant", related_name="low_stock_alerts", on_delete=models.CASCADE
    )
    available = models.IntegerField(help_text="Availability when the alert was raised.")
    threshold = models.PositiveIntegerField()
    notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["variant"],
                condition=Q(resolved_at__isnull=True),
                name="inventory_one_open_low_stock_alert",
            )
        ]

    def __str__(self) -> str:
        return f"Low stock: variant {self.variant_id} ({self.available} < {self.threshold})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class VariantStock(Variant):
    """The catalog's Variant seen from the stock side: the admin's "stock per variant" pages.

    A proxy (no table): it lets the inventory admin show a variant with its stock per warehouse
    inline without registering ``Variant`` itself, which belongs to the catalog's admin.
    """

    class Meta:
        proxy = True
        verbose_name = "stock by variant"
        verbose_name_plural = "stock by variant"
