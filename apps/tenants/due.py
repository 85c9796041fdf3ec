"""The due index: which stores need periodic work now, so that beat's fan-out visits only them.

Beat used to queue every periodic task once per store per period: 1,000 quiet stores cost a
worker ~1,600 tasks a minute doing nothing. Now the writes that create work record, in one
public-schema table (``StoreWork``), when their store next needs it, and the fan-out
(``apps.tenants.tasks.fan_out_to_stores_task``) queues tasks only for those stores:

- **due kinds** (``HOLDS``: stock holds and the unpaid orders they back; ``OUTBOX``: messages
  the relay may have to send) carry a time. ``mark_due`` keeps the earliest; the fan-out
  deletes the rows whose time has come and queues the tasks in the same transaction (a broker
  error leaves the rows). Each task, when it is done, marks the next time its own data says
  (the next hold to expire, a message still pending), so a store stays in the index exactly
  while it has something pending.
- **activity** (``ACTIVE``): any write in a store (every model save or delete, recommendation
  signals) records the store's last activity; tidy-up work that follows activity (search stock
  flags, gift cards of cancelled orders, recommendation signals and scores, back-in-stock and
  abandoned-cart mail, stock drift) is fanned out to the stores active within its window.

Why nothing due is missed: a row is only ever deleted by the claim, when its time has come, and
the claim is followed by the task, which reads the data afresh. A writer skips its upsert only
when the store's row is already due no later than its own item *and* more than ``MARGIN``
ahead — a row the claim cannot take before the writer's transaction commits — else it upserts,
which waits for a concurrent claim. On top of that every fanned-out task also runs once a day
in every store (``DAILY_SWEEP`` in settings), which rebuilds the index from the data.
"""

import contextlib
import contextvars
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.tenants import schema_pool, sql
from apps.tenants.models import StoreWork

HOLDS = "holds"
OUTBOX = "outbox"
ACTIVE = "active"

MARGIN = timedelta(minutes=5)
ACTIVITY_RESOLUTION_SECONDS = 60.0

# (schema, kind) → the time this process last saw on the store's row: skips a read per write.
_known_due: dict[tuple[str, str], datetime] = {}
_last_active: dict[str, float] = {}
_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("due_quiet", default=False)


def _store_schema() -> str | None:
    name = connection.schema_name
    if name in (get_public_schema_name(), settings.TENANT_BASE_SCHEMA):
        return None
    if name.startswith(schema_pool.PREFIX):  # a pooled schema not yet claimed by a store
        return None
    return name


@contextlib.contextmanager
def quiet():
    """Record nothing (store creation, migrations: not work the store asked for)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def mark_due(kind: str, at: datetime) -> None:
    """Record that the current store has ``kind`` work due at ``at`` (in the caller's
    transaction, so the mark commits with the write that made the work)."""
    schema = _store_schema()
    if schema is None or _quiet.get():
        return
    now = timezone.now()
    known = _known_due.get((schema, kind))
    if known is not None and now + MARGIN < known <= at:
        return
    current = (
        StoreWork.objects.filter(schema_name=schema, kind=kind).values_list("at", flat=True).first()
    )
    if current is not None and now + MARGIN < current <= at:
        _known_due[(schema, kind)] = current
        return
    sql.mark_work(schema_name=schema, kind=kind, at=at, earliest=True)
    _known_due[(schema, kind)] = at if current is None else min(current, at)


def mark_active() -> None:
    """Record that the current store just did something (at most once a minute per process,
    after the caller's commit: activity is a hint for tidy-up work, never the only record)."""
    schema = _store_schema()
    if schema is None or _quiet.get():
        return
    clock = time.monotonic()
    if clock - _last_active.get(schema, -1e9) < ACTIVITY_RESOLUTION_SECONDS:
        return
    _last_active[schema] = clock
    at = timezone.now()
    transaction.on_commit(
        lambda: sql.mark_work(schema_name=schema, kind=ACTIVE, at=at, earliest=False),
        robust=True,
    )


def claim_due(kind: str) -> list[str]:
    """The schemas of active stores with ``kind`` work due now; their rows are deleted (call
    in the transaction that queues their tasks)."""
    return sql.claim_due_work(kind=kind, now=timezone.now())


def active_within(window: timedelta) -> list[str]:
    """Active stores that did something in the last ``window``."""
    since = timezone.now() - window
    return list(
        StoreWork.objects.filter(kind=ACTIVE, at__gte=since)
        .filter(schema_name__in=_active_store_names())
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def _active_store_names():
    from apps.tenants.models import Store

    return Store.objects.filter(status=Store.Status.ACTIVE).values("schema_name")


def forget_process_memory() -> None:
    """Tests: forget what this process remembers of the index."""
    _known_due.clear()
    _last_active.clear()


def on_model_write(sender, **kwargs) -> None:
    """post_save / post_delete receiver: a write in a store marks it active."""
    if kwargs.get("raw"):
        return
    mark_active()
