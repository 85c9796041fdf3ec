"""Payments, refunds and the log of provider events already processed.

Money moves at the provider; these rows record what we asked for and what the provider told
us. Unique constraints make every provider callback idempotent: a payment's external id, a
refund's external id and idempotency key, and a webhook event's id each exist once.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

MONEY: dict = {"max_digits": 12, "decimal_places": 2}


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class Payment(models.Model):
    """One attempt to take the order's total through a gateway (retries reuse the row)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    order = models.ForeignKey("orders.Order", related_name="payments", on_delete=models.PROTECT)
    # The shopper's handle on the payment page URL; never the sequential id.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gateway = models.CharField(max_length=16)
    # The gateway's mode when the payment was opened ("test" or "live"; "" before it was
    # recorded): a payment opened in one mode takes no payment on its page in the other.
    mode = models.CharField(max_length=4, blank=True, default="")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    amount_refunded = models.DecimalField(**MONEY, default=Decimal("0"))
    # True once this payment paid the order; a payment that arrives for a cancelled or already
    # paid order is refunded automatically instead and stays False.
    applied_to_order = models.BooleanField(default=False)
    external_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True, default=new_idempotency_key)
    client_secret = models.CharField(max_length=255, blank=True)
    # The provider's page where the shopper approves the payment (PayPal's approve link);
    # blank for gateways that take the payment on our page.
    approval_url = models.CharField(max_length=500, blank=True)
    return_url = models.CharField(max_length=500, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payments_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.amount} {self.currency} ({self.status})"

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount - self.amount_refunded


OPEN = (Payment.Status.PENDING, Payment.Status.FAILED)  # may still succeed (retry after failure)
CAPTURED = (
    Payment.Status.SUCCEEDED,
    Payment.Status.PARTIALLY_REFUNDED,
    Payment.Status.REFUNDED,
)


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, related_name="refunds", on_delete=models.PROTECT)
    # Denormalized from the payment: the order admin lists refunds inline.
    order = models.ForeignKey("orders.Order", related_name="refunds", on_delete=models.PROTECT)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # False for refunds of a payment that never paid the order (automatic refunds): those
    # are not booked on the order.
    applies_to_order = models.BooleanField(default=True)
    external_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True, default=new_idempotency_key)
    reason = models.CharField(max_length=255, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} ({self.status})"


class WebhookEvent(models.Model):
    """A provider event we have processed: its id is unique, so a replay is a no-op."""

    gateway = models.CharField(max_length=16)
    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    outcome = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.type} {self.event_id}"


class GatewaySettings(models.Model):
    """This store's settings for one gateway, as the gateway declares them.

    One row per gateway name; new gateways need no migration. ``values`` holds the non-secret
    fields (shown back on the settings page), ``secrets`` the write-only ones (never rendered:
    the page only says whether each is set). Keys are the gateway's ``SettingField.key``.
    """

    gateway = models.CharField(max_length=16, unique=True)
    values = models.JSONField(default=dict, blank=True)
    secrets = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "gateway settings"
        verbose_name_plural = "gateway settings"

    def __str__(self) -> str:
        return f"{self.gateway} settings"
