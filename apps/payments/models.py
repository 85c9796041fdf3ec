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

from apps.core.money import MoneyField

# Gift cards hold the store's own currency (two places); payments may be in any currency.
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
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    amount_refunded = MoneyField(default=Decimal("0"))
    # True once this payment paid the order; a payment that arrives for a cancelled or already
    # paid order is refunded automatically instead and stays False.
    applied_to_order = models.BooleanField(default=False)
    external_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # The card that paid this share of the order (gateway "gift_card"), for its last 4.
    gift_card = models.ForeignKey(
        "payments.GiftCard", null=True, blank=True, related_name="payments",
        on_delete=models.PROTECT,
    )  # fmt: skip
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
    amount = MoneyField()
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
    # A signed event that could not be applied (e.g. a refund larger than what is left to refund):
    # recorded and answered 200 so the provider stops retrying, and shown to the merchant until
    # someone marks it checked.
    needs_attention = models.BooleanField(default=False)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["-received_at"],
                condition=Q(needs_attention=True),
                name="payments_event_attention",
            )
        ]

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


class GiftCard(models.Model):
    """A store credit with a secret code. The code itself is never stored: ``code_key`` is its
    SHA-256 (a lookup key that cannot be turned back into the code; the code has 80 random
    bits, so guessing from the key is as hard as guessing the code) and ``last4`` lets the
    merchant and the shopper recognise it.

    ``balance`` changes only by a conditional UPDATE (``services.gift_cards``) in the same
    transaction as its ledger row; the database refuses a negative balance.
    """

    code_key = models.CharField(max_length=64, unique=True, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    currency = models.CharField(max_length=3)
    initial_balance = models.DecimalField(**MONEY)
    balance = models.DecimalField(**MONEY)
    expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Who the card is for (the recipient of a card bought as a present) and, when the merchant
    # issues it to a customer, that customer's email.
    recipient_email = models.EmailField(blank=True)
    customer_email = models.EmailField(blank=True)
    note = models.CharField(max_length=255, blank=True)
    # A card bought as a product: the order line that sold it and which of its units it is.
    # Unique together: paying an order issues each unit's card once, however often it runs.
    order_line = models.ForeignKey(
        "orders.OrderLine", null=True, blank=True, related_name="gift_cards",
        on_delete=models.PROTECT,
    )  # fmt: skip
    unit = models.PositiveIntegerField(null=True, blank=True)
    recipient_name = models.CharField(max_length=120, blank=True)
    message = models.TextField(blank=True, max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="payments_gift_card_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(initial_balance__gt=0), name="payments_gift_card_initial_positive"
            ),
            models.UniqueConstraint(
                fields=["order_line", "unit"], name="payments_gift_card_once_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"Gift card …{self.last4} ({self.balance} {self.currency})"


class GiftCardTransaction(models.Model):
    """The card's ledger: every change of its balance, signed (issue +, redeem −, refund +).
    The amounts of a card's rows sum to its balance."""

    class Kind(models.TextChoices):
        ISSUE = "issue", "Issued"
        REDEEM = "redeem", "Spent"
        REFUND = "refund", "Refunded to the card"

    card = models.ForeignKey(GiftCard, related_name="transactions", on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, related_name="gift_card_transactions",
        on_delete=models.PROTECT,
    )  # fmt: skip
    reference = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="payments_gift_card_transaction_not_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on …{self.card.last4}"
