import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.money import MoneyField, quantize
from apps.inventory.policies import shipping_note
from apps.orders.numbering import next_order_number

# An amount in the store's currency (two places), empty on orders older than markets.
BASE_MONEY: dict = {"max_digits": 12, "decimal_places": 2, "null": True, "blank": True}


class Order(models.Model):
    """A placed order. Lines and totals are snapshots: a placed order is never repriced."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending payment"
        PAID = "paid", "Paid"
        PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
        FULFILLED = "fulfilled", "Fulfilled"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", "Unpaid"
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"

    number = models.PositiveIntegerField(unique=True, default=next_order_number, editable=False)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # One checkout yields at most one order: a double click or a retried request finds this row.
    checkout_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="orders",
        on_delete=models.SET_NULL,
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    payment_status = models.CharField(
        max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    currency = models.CharField(max_length=3)
    prices_include_tax = models.BooleanField(default=False)
    subtotal = MoneyField()
    discount_total = MoneyField(default=Decimal("0"))
    shipping_total = MoneyField(default=Decimal("0"))
    tax_total = MoneyField(default=Decimal("0"))
    total = MoneyField()
    amount_refunded = MoneyField(default=Decimal("0"))
    # The store's (accounting) currency and what the amounts above are worth in it, at the rate
    # the order was priced with: dashboard revenue, reports and the platform commission sum
    # these. Empty (NULL) on orders placed in the store's own currency before markets existed:
    # read them through ``base_amount`` (the amount itself then).
    base_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        null=True,
        blank=True,
        help_text="Units of the order's currency for one unit of the store's currency",
    )
    rate_source = models.CharField(max_length=60, blank=True)
    rate_updated_at = models.DateTimeField(null=True, blank=True)
    base_subtotal = models.DecimalField(**BASE_MONEY)
    base_discount_total = models.DecimalField(**BASE_MONEY)
    base_shipping_total = models.DecimalField(**BASE_MONEY)
    base_tax_total = models.DecimalField(**BASE_MONEY)
    base_total = models.DecimalField(**BASE_MONEY)
    base_amount_refunded = models.DecimalField(**BASE_MONEY)
    shipping_address = models.JSONField(default=dict, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)
    shipping_method_name = models.CharField(max_length=120, blank=True)
    voucher_code = models.CharField(max_length=40, blank=True)
    # Some lines are gift cards (issued when paid, no stock held): set once, at placement.
    has_gift_cards = models.BooleanField(default=False)
    customer_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Some units were sold beyond stock (back-order or pre-order): paying and cancelling then
    # also confirm or cancel the back-orders (a "deny"-only order never reads them).
    has_backorder = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_total_non_negative"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("total")),
                name="orders_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def reservation_reference(self) -> str:
        return f"checkout:{self.checkout_token}" if self.checkout_token else f"order:{self.token}"

    @property
    def refundable_amount(self) -> Decimal:
        return self.total - self.amount_refunded

    def to_base(self, amount: Decimal) -> Decimal:
        """``amount`` of the order's currency in the store's currency, at the order's rate."""
        if not self.exchange_rate or self.base_currency in ("", self.currency):
            return amount
        return quantize(amount / self.exchange_rate, self.base_currency)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=200, blank=True)
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField()
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0"))
    tax_amount = MoneyField(default=Decimal("0"))
    line_total = MoneyField()  # before discounts
    # The line's share of promotions and voucher (its ``OrderDiscount`` rows add up to it).
    discount_amount = MoneyField(default=Decimal("0"))
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)
    # Units of ``quantity`` sold beyond stock, and when they are expected to ship (snapshot).
    backordered_quantity = models.PositiveIntegerField(default=0)
    backorder_kind = models.CharField(
        max_length=10, blank=True, help_text="backorder or preorder (the variant's policy)"
    )
    backorder_ships_on = models.DateField(null=True, blank=True)
    # A gift card bought as a product: paying issues one card per unit (no stock, no shipping).
    is_gift_card = models.BooleanField(default=False)
    # Its recipient as the buyer entered it (``recipient_name``, ``recipient_email``, ``message``).
    gift_card = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_line_quantity_pos"),
            models.CheckConstraint(
                condition=Q(quantity_fulfilled__lte=F("quantity")),
                name="orders_line_fulfilled_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=F("quantity_fulfilled")),
                name="orders_line_returned_within_fulfilled",
            ),
            models.CheckConstraint(
                condition=Q(backordered_quantity__lte=F("quantity")),
                name="orders_line_backordered_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"

    @property
    def quantity_unfulfilled(self) -> int:
        return self.quantity - self.quantity_fulfilled

    @property
    def backorder_note(self) -> str:
        """ "2 of 3: Back-order: ships in 14 days" for units sold beyond stock; else ""."""
        if not self.backordered_quantity:
            return ""
        note = shipping_note(kind=self.backorder_kind, ships=self.backorder_ships_on)
        return f"{self.backordered_quantity} of {self.quantity}: {note}"

    @property
    def net_total(self) -> Decimal:
        """What the shopper paid for the line's items: after promotions and voucher."""
        return self.line_total - self.discount_amount

    def value_of_units(self, quantity: int, *, prices_include_tax: bool) -> Decimal:
        """What ``quantity`` of the line's units were paid, after discounts, with their tax
        when it was added on top (a refund's amount for them)."""
        paid = self.net_total if prices_include_tax else self.net_total + self.tax_amount
        return quantize(paid * quantity / self.quantity)


class OrderDiscount(models.Model):
    """How one promotion or voucher was allocated on an order: its amount on one line, or on
    shipping (``line`` empty). Snapshots: the promotion's name or the voucher's code are kept
    as they were, and the promotion's id is a plain number (promotions live in the checkout
    app, which builds on this one), so reports group by it after the promotion is gone."""

    class Source(models.TextChoices):
        PROMOTION = "promotion", "Promotion"
        VOUCHER = "voucher", "Voucher"

    order = models.ForeignKey(Order, related_name="discounts", on_delete=models.CASCADE)
    line = models.ForeignKey(
        OrderLine, null=True, blank=True, related_name="discounts", on_delete=models.CASCADE
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    source_id = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=100)
    amount = MoneyField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["source", "source_id"], name="orders_discount_source")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="orders_discount_non_neg")
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class OrderEvent(models.Model):
    """The order's history: every status change, payment, email and note."""

    class Type(models.TextChoices):
        PLACED = "placed", "Order placed"
        PAID = "paid", "Payment received"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        FULFILLED = "fulfilled", "Items shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        RETURN_REQUESTED = "return_requested", "Return requested"
        RETURN_APPROVED = "return_approved", "Return approved"
        RETURN_REJECTED = "return_rejected", "Return rejected"
        RETURN_RECEIVED = "return_received", "Return received"
        EMAIL_SENT = "email_sent", "Email sent"
        NOTE = "note", "Note"

    order = models.ForeignKey(Order, related_name="events", on_delete=models.CASCADE)
    type = models.CharField(max_length=24, choices=Type.choices)
    message = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.order_id})"


class Fulfillment(models.Model):
    order = models.ForeignKey(Order, related_name="fulfillments", on_delete=models.CASCADE)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipped_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipped_at", "id"]

    def __str__(self) -> str:
        return f"Fulfillment {self.pk} of #{self.order_id}"


class FulfillmentLine(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, related_name="lines", on_delete=models.CASCADE)
    order_line = models.ForeignKey(OrderLine, related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_fline_qty_pos")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"


class Return(models.Model):
    """A return (RMA): requested by the customer, approved, received → restock and refund."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RECEIVED = "received", "Received and refunded"

    order = models.ForeignKey(Order, related_name="returns", on_delete=models.CASCADE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(blank=True)
    refund_amount = MoneyField(default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Return {self.pk} of #{self.order_id}"


class ReturnLine(models.Model):
    return_request = models.ForeignKey(Return, related_name="lines", on_delete=models.CASCADE)
    order_line = models.ForeignKey(OrderLine, related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_rline_qty_pos")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"


class OrderEmail(models.Model):
    """One order email's send claim: the row a sending task locks, then marks sent.

    ``key`` names the message: the kind alone for mail that goes out once per order
    (confirmed, delivered, cancelled), else the kind and the id given when it was queued. The
    unique (order, key) makes "sent at most once" a database fact, whatever the broker redelivers.
    """

    order = models.ForeignKey(Order, related_name="emails", on_delete=models.CASCADE)
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=120)
    message_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "key"], name="orders_email_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} email for order {self.order_id}"
