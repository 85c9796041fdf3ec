"""The transactional outbox: Celery work caused by a commit is never lost to a broker outage.

``enqueue(task, *args)`` writes an ``OutboxMessage`` row in the caller's transaction (in the
current store's schema), so the message is committed exactly when the change that causes it is.
Once that transaction commits, the relay hands the message to the broker and marks the row
dispatched. If the broker is unreachable then, the row stays pending and the periodic relay
(``relay_outbox_task``, every minute per store through the beat fan-out) sends it when the
broker is back. Nothing is lost between "committed" and "queued".

Delivery is at least once: a process that dies between the broker's acceptance and the
``dispatched_at`` update publishes the row again on the next pass, and a broker-side redelivery
(``acks_late``, visibility timeout) runs a task twice. Consumers are idempotent; every message
carries one stable task id (the row's id) across all of this.

Why not a library: django-celery-outbox replaces the Celery app class (we need
tenant-schemas-celery's) and relays from one table with its own long-running process;
django-jaiminho stores pickled callables and relays one schema; django-outbox-pattern needs a
STOMP broker. None knows about a table per store schema.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from celery import Task, current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from apps.core import due_hooks, tenancy
from apps.core.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_BATCH = 200
# Dispatched rows are kept this long (what was sent, for support), then deleted by the relay.
KEEP_DISPATCHED = timedelta(days=7)
PUBLISH_ERRORS = (BrokerError, OSError)
# One immediate reconnect (a pooled connection that went stale when Redis restarted), then give
# up: the periodic relay is the retry. A refused publish costs a request ~3 ms this way, against
# ~0.6 s with kombu's default retry policy and up to 6 s with retry=False (its first connect).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                        "interval_max": 0.2}  # fmt: skip


def enqueue(task: Task | str, *args: object, **kwargs: object) -> uuid.UUID:
    """Write a message for ``task`` in the current transaction; it is queued after commit.

    Arguments are JSON primitives (ids, strings), as for any task. Outside a transaction the
    row commits at once and is handed to the broker right away. A rolled back transaction (or
    savepoint) leaves no message and publishes nothing.
    """
    name = task if isinstance(task, str) else task.name
    _registered_task(name)  # a typo fails here, in the caller's test, not in a worker log
    message = OutboxMessage.objects.create(task_name=name, args=list(args), kwargs=kwargs)
    # Should this process die before its publish, the periodic relay visits the store later
    # (a few minutes ahead: one upsert per store and minute however many messages it writes).
    due_hooks.mark_due(due_hooks.OUTBOX, timezone.now() + due_hooks.OUTBOX_SAFETY_DELAY)
    # robust: the change is committed whatever the broker says; a failed publish only leaves
    # the row to the periodic relay.
    tenancy.on_commit(lambda: _relay_committed(message), robust=True)
    return message.id


def _relay_committed(message: OutboxMessage) -> None:
    """Right after the commit: publish the message as written, then mark it dispatched.

    One statement, no lock: the periodic relay leaves rows younger than
    ``OUTBOX_RELAY_GRACE_SECONDS`` to this path, so the two do not publish one row together
    (and if a slow publish still lets them, the consumer is idempotent).
    """
    try:
        _publish(message)
    except PUBLISH_ERRORS as exc:
        _record_failure(message, exc, left=1)
        grace = timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS)
        due_hooks.mark_due(due_hooks.OUTBOX, timezone.now() + grace)
        return
    OutboxMessage.objects.filter(pk=message.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )


def relay(*, limit: int = RELAY_BATCH, min_age: timedelta | None = None) -> int:
    """Hand the oldest ``limit`` pending messages to the broker; return how many went.

    ``min_age`` (default ``OUTBOX_RELAY_GRACE_SECONDS``): rows younger than this are being
    published by their own transaction's after-commit hook. Rows are taken ``FOR UPDATE SKIP
    LOCKED``, so two relays never publish the same row. The broker call is made under those
    row locks, on purpose: the locks cover outbox rows only, which no business transaction
    touches, and publishing before the ``dispatched_at`` update commits is what makes a crash
    cost a duplicate rather than a lost message. The first failed publish ends the pass (the
    broker is down: the rest would wait for it too).
    """
    if min_age is None:
        min_age = timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS)
    dispatched: list[uuid.UUID] = []
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(dispatched_at__isnull=True, created_at__lte=timezone.now() - min_age)
            .order_by("created_at", "id")[:limit]
        )
        for message in messages:
            try:
                _publish(message)
            except PUBLISH_ERRORS as exc:
                _record_failure(message, exc, left=len(messages) - len(dispatched))
                break
            except UnknownTask as exc:
                # A task renamed or removed by a deploy: kept (and counted) for an operator,
                # never in the way of the messages behind it.
                OutboxMessage.objects.filter(pk=message.pk).update(
                    failed_attempts=F("failed_attempts") + 1, last_error=str(exc)[:300]
                )
                logger.error("outbox: message %s in %s: %s", message.pk, connection.schema_name,
                             exc)  # fmt: skip
                continue
            dispatched.append(message.id)
        if dispatched:
            OutboxMessage.objects.filter(pk__in=dispatched).update(dispatched_at=timezone.now())
    return len(dispatched)


def _record_failure(message: OutboxMessage, exc: BaseException, *, left: int) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        failed_attempts=F("failed_attempts") + 1,
        last_error=f"{type(exc).__name__}: {exc}"[:300],
    )
    logger.warning(
        "outbox: broker unreachable, %d message(s) in %s left for the periodic relay (%s: %s)",
        left, connection.schema_name, type(exc).__name__, exc,
    )  # fmt: skip


def _publish(message: OutboxMessage) -> None:
    # The app's send_task (tenant-schemas-celery) puts the current schema in the headers, so
    # the task runs in this store; apply_async also honours the task's own options and
    # task_always_eager.
    _registered_task(message.task_name).apply_async(
        args=message.args,
        kwargs=message.kwargs,
        task_id=str(message.id),
        retry=True,
        retry_policy=PUBLISH_RETRY_POLICY,
    )


class UnknownTask(ValueError):
    """No Celery task is registered under the message's task name."""


def _registered_task(name: str) -> Task:
    if name not in current_app.tasks:
        # Web processes import task modules lazily; load every app's tasks module once.
        current_app.loader.import_default_modules()
    try:
        return current_app.tasks[name]
    except KeyError:
        raise UnknownTask(f"No Celery task is registered as {name!r}.") from None


def relay_pending(*, max_batches: int = 25, min_age: timedelta | None = None) -> int:
    """Periodic pass over the current schema: dispatch what is pending, drop old dispatched rows.

    Returns how many messages were dispatched.
    """
    total = 0
    for _ in range(max_batches):
        sent = relay(min_age=min_age)
        total += sent
        if sent < RELAY_BATCH:
            break
    cutoff = timezone.now() - KEEP_DISPATCHED
    OutboxMessage.objects.filter(dispatched_at__lt=cutoff).delete()
    if count_pending():  # left for a later pass (broker down): come back in a minute
        due_hooks.mark_due(due_hooks.OUTBOX, timezone.now() + timedelta(minutes=1))
    if total:
        logger.info("outbox: relayed %d pending message(s) in %s", total, connection.schema_name)
    return total


def count_pending() -> int:
    """Messages of the current schema not yet handed to the broker (for health and tests)."""
    return OutboxMessage.objects.filter(dispatched_at__isnull=True).count()
