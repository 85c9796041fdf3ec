import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

SCOPES = [
    "products:read", "products:write",
    "inventory:read", "inventory:write",
    "carts:read", "carts:write",
    "orders:read", "orders:write",
    "reviews:read", "reviews:write",
    "gift_cards:read", "gift_cards:write",
]  # fmt: skip


def hash_key(raw_key: str) -> str:
    # Keys are 32 random bytes: a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKey(models.Model):
    """A store's API key. Only its hash is stored; the key itself is shown once, at creation."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="Identifies the key in logs")
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=32, choices=[(s, s) for s in SCOPES]))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        # A write scope implies the read scope of the same resource.
        resource = scope.split(":")[0]
        return scope in self.scopes or (
            scope.endswith(":read") and f"{resource}:write" in self.scopes
        )


class IdempotencyKey(models.Model):
    """A claimed ``Idempotency-Key``: the unique insert is the claim; the response is kept 24 h."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    owner = models.CharField(max_length=80, help_text="api-key:<id>, user:<id> or anon:<ip>")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The first response's exact bytes, replayed as they were sent (see apps/api/idempotency.py).
    response_content = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
