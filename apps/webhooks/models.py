import secrets
import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

TOPICS = [
    ("order.created", "Order created"),
    ("order.paid", "Order paid"),
    ("order.fulfilled", "Order fulfilled"),
    ("order.cancelled", "Order cancelled"),
    ("inventory.low", "Inventory low"),
    ("product.updated", "Product updated"),
    ("gift_card.issued", "Gift card issued"),
    ("gift_card.used", "Gift card used"),
    ("gift_card.refunded", "Gift card credited (refund)"),
    ("gift_card.disabled", "Gift card disabled"),
]


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookSubscription(models.Model):
    url = models.URLField(max_length=500)
    topics = ArrayField(models.CharField(max_length=32, choices=TOPICS))
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (gave up)"

    subscription = models.ForeignKey(
        WebhookSubscription, related_name="deliveries", on_delete=models.CASCADE
    )
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=32)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.topic} → {self.subscription_id} ({self.status})"
