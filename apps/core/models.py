"""The transactional outbox (``apps/core/outbox.py``): one table in every store schema."""

import uuid

from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """A Celery task to run once the transaction that wrote this row has committed.

    Written in the same transaction as the change that causes it, so the message exists if and
    only if the change does. The relay hands it to the broker after commit and sets
    ``dispatched_at``; a broker outage leaves it pending for the periodic relay. The row's id is
    the Celery task id, so every consumer sees one stable id however often it is handed over.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Publish attempts that failed (broker unreachable); the last one's error.
    failed_attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The periodic relay reads only the pending rows, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(dispatched_at__isnull=True),
                name="core_outbox_pending_idx",
            ),
            models.Index(fields=["dispatched_at"], name="core_outbox_dispatched_idx"),
        ]

    def __str__(self) -> str:
        state = "dispatched" if self.dispatched_at else "pending"
        return f"{self.task_name} ({state})"
