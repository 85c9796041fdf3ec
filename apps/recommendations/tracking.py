"""The Redis side of signal collection, written in batches by each web process.

Keys go through the tenant-aware cache's ``make_key`` so every one carries the store's schema
(``<schema>:<prefix>:<version>:recs:…``): store A's buffer is invisible to store B's flush.

- ``recs:views`` — a list of ``day|visitor_key|product_id`` events, appended per view and
  drained into ``ProductViewDaily`` by the flush task. Capped so a stopped beat cannot grow it
  without bound (the oldest events go first).
- ``recs:stats:<day>`` — a hash of running totals per widget (``<widget>:i`` impressions,
  ``<widget>:c`` clicks). The flush writes the totals as they stand, so running it twice is
  harmless; the hash expires a few days after its day.

**Buffered per web process** (issue #24: one pipelined round trip per product view was a
quarter of a page-cache hit). Inside a web request a view, an impression or a click costs no
Redis call: it joins this process's buffer with its keys already made (``make_key`` reads the
request's schema; the write-out runs in another thread, under no store or another store). A
daemon thread writes the buffer out every ``FLUSH_SECONDS``, and at once when it holds
``FLUSH_EVENTS`` views: one pipelined round trip per store (one RPUSH of all its views, one
LTRIM, one HINCRBY per widget counter with the summed increments, one EXPIRE per day's hash).
What is left is written when the process exits (``atexit``: a graceful gunicorn stop).

- **Readers write out first**: ``read_views``, ``read_stats`` and ``buffered_view_count``
  flush this process's buffer before they read, so a flush task or a test sees every signal
  recorded in its own process; other processes' signals reach Redis within about a second.
- **Outside a web request** (Celery tasks, management commands, the shell) a signal is written
  at once, in one round trip, as before: such processes start no thread and need no exit hook
  (a Celery pool child ends with ``os._exit``, which skips ``atexit``).
- **Bounds**: at most ``BUFFER_CAP`` views wait in a process; beyond it the oldest are dropped.
  A web process that is killed (SIGKILL, out of memory) loses at most ~1 s of its signals. A
  write-out that cannot reach Redis loses its batch, with one warning per outage burst
  (``redis_outage.note_failure``): a Redis outage loses signals, it never fails a request.
  Both losses are counted in ``mercato_recommendation_signals_lost_total`` (``buffer_full`` /
  ``redis``).
- A forked child (gunicorn's ``preload_app``) starts with an empty buffer and its own thread.
"""

import atexit
import logging
import os
import threading
from collections import Counter, deque
from collections.abc import Iterable
from datetime import date

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from redis.client import Pipeline
from redis.exceptions import RedisError

from apps.core import redis_outage, store_cache
from apps.observability import metrics

logger = logging.getLogger(__name__)

VIEWS_KEY = "recs:views"
VIEWS_CAP = 500_000
STATS_TTL_SECONDS = 3 * 24 * 3600
FLUSH_SECONDS = 1.0  # a buffered signal reaches Redis within about this
FLUSH_EVENTS = 500  # … or as soon as this many views wait
BUFFER_CAP = 10_000  # views waiting in one process at most; the oldest go first

# A view: (schema, the store's full ``recs:views`` key, event).
_View = tuple[str, str, str]
# One increment of a widget counter: (schema, the store's full ``recs:stats:<day>`` key, field).
_Count = tuple[str, str, str]


class _Buffer:
    """This process's signals not yet in Redis, and the thread that writes them out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held to append and to swap the buffer out, never for I/O
        self.flushing = threading.Lock()  # one write-out at a time (thread, readers, exit)
        self.wake = threading.Event()
        self.views: deque[_View] = deque()
        self.counts: Counter[_Count] = Counter()
        self.thread: threading.Thread | None = None


_buffer = _Buffer()


def _redis():
    return cache.client.get_client(write=True)


def _key(name: str) -> str:
    return cache.make_key(name)


def stats_key(day: date) -> str:
    return _key(f"recs:stats:{day.isoformat()}")


# --- recording -----------------------------------------------------------------------------


def push_view(*, visitor_key: str, product_id: int, impressions: Iterable[str] = ()) -> None:
    """One product view (and the widgets the page showed)."""
    today = timezone.now().date()
    event = f"{today.isoformat()}|{visitor_key}|{int(product_id)}"
    _record([(_key(VIEWS_KEY), event)], _fields(today, impressions, "i"))


def count_impressions(widgets: Iterable[str]) -> None:
    """Count widgets shown on a page that records no view (the home page)."""
    _record([], _fields(timezone.now().date(), widgets, "i"))


def count_click(widget: str) -> None:
    _record([], _fields(timezone.now().date(), [widget], "c"))


def _fields(day: date, widgets: Iterable[str], what: str) -> list[tuple[str, str]]:
    fields = [f"{widget}:{what}" for widget in widgets]
    if not fields:
        return []
    key = stats_key(day)
    return [(key, field) for field in fields]


def _record(views: list[tuple[str, str]], counts: list[tuple[str, str]]) -> None:
    """Buffer signals of the current store (inside a request), else write them now (raises
    ``RedisError``)."""
    if not views and not counts:
        return
    schema = connection.schema_name
    store_views = [(schema, key, event) for key, event in views]
    store_counts = [(schema, key, field) for key, field in counts]
    if not store_cache.in_request():
        for _, pipe in _pipelines(store_views, Counter(store_counts)):
            pipe.execute()
        return
    buffer = _buffer
    with buffer.lock:
        buffer.views.extend(store_views)
        buffer.counts.update(store_counts)
        dropped = len(buffer.views) - BUFFER_CAP
        for _ in range(dropped):
            buffer.views.popleft()
        waiting = len(buffer.views)
        if buffer.thread is None:
            buffer.thread = threading.Thread(
                target=_flush_forever, name="recommendation-signals", daemon=True
            )
            buffer.thread.start()
    if dropped > 0:
        metrics.recommendation_signals_lost.labels("buffer_full").inc(dropped)
    if waiting >= FLUSH_EVENTS:
        buffer.wake.set()


# --- writing out ---------------------------------------------------------------------------


def flush_buffer() -> int:
    """Write this process's buffered signals to Redis now; the number of views written.

    Never raises for Redis: a batch it cannot write is lost (counted, one warning per burst).
    """
    buffer = _buffer
    with buffer.flushing:
        with buffer.lock:
            if not buffer.views and not buffer.counts:
                return 0
            views, buffer.views = buffer.views, deque()
            counts, buffer.counts = buffer.counts, Counter()
        written = 0
        try:
            for carried, pipe in _pipelines(views, counts):
                pipe.execute()
                written += carried
        except RedisError as exc:
            lost = len(views) - written
            metrics.recommendation_signals_lost.labels("redis").inc(lost)
            redis_outage.note_failure(f"{lost} product views and their widget counters", exc)
    return written


def _pipelines(views: Iterable[_View], counts: Counter[_Count]) -> list[tuple[int, Pipeline]]:
    """One pipeline per store (not sent yet), with how many views it carries."""
    lists: dict[str, dict[str, list[str]]] = {}
    hashes: dict[str, dict[str, dict[str, int]]] = {}
    for schema, key, event in views:
        lists.setdefault(schema, {}).setdefault(key, []).append(event)
    for (schema, key, field), amount in counts.items():
        hashes.setdefault(schema, {}).setdefault(key, {})[field] = amount
    client = _redis()
    pipelines = []
    for schema in sorted(lists.keys() | hashes.keys()):
        pipe = client.pipeline(transaction=False)
        carried = 0
        for key, events in lists.get(schema, {}).items():
            pipe.rpush(key, *events)
            pipe.ltrim(key, -VIEWS_CAP, -1)
            carried += len(events)
        for key, fields in hashes.get(schema, {}).items():
            for field, amount in fields.items():
                pipe.hincrby(key, field, amount)
            pipe.expire(key, STATS_TTL_SECONDS)
        pipelines.append((carried, pipe))
    return pipelines


def _flush_forever() -> None:
    """The buffer's thread: write out every ``FLUSH_SECONDS``, or when woken (buffer full)."""
    buffer = _buffer
    while True:
        buffer.wake.wait(FLUSH_SECONDS)
        buffer.wake.clear()
        try:
            flush_buffer()
        except Exception:  # the thread must outlive any one batch
            logger.exception("recommendation signals: write-out failed")


def _forget_after_fork() -> None:
    """A forked child starts with an empty buffer (the parent's is the parent's to write) and
    fresh locks (one held by the parent's thread at the fork would never be released)."""
    global _buffer
    _buffer = _Buffer()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(flush_buffer)


# --- reading (the flush task) --------------------------------------------------------------


def read_views(limit: int) -> tuple[list[tuple[date, str, int]], int]:
    """The oldest buffered views, parsed, and how many entries were read (malformed included)."""
    flush_buffer()
    raw = _redis().lrange(_key(VIEWS_KEY), 0, limit - 1)
    events = []
    for item in raw:
        try:
            day, visitor_key, product_id = item.decode().rsplit("|", 2)
            events.append((date.fromisoformat(day), visitor_key[:40], int(product_id)))
        except (ValueError, UnicodeDecodeError):
            continue  # dropped, and still trimmed with the rest
    return events, len(raw)


def drop_views(count: int) -> None:
    """Remove the ``count`` oldest views, once they are safely in PostgreSQL.

    New views are appended at the tail meanwhile, so trimming from the head removes exactly
    what was read. (The cap trims from the head too; at worst a few views are lost, never
    counted twice.)
    """
    if count:
        _redis().ltrim(_key(VIEWS_KEY), count, -1)


def buffered_view_count() -> int:
    flush_buffer()
    return _redis().llen(_key(VIEWS_KEY))


def read_stats(day: date) -> dict[tuple[str, str], int]:
    flush_buffer()
    totals = {}
    for field, value in _redis().hgetall(stats_key(day)).items():
        widget, _, what = field.decode().rpartition(":")
        totals[(widget, what)] = int(value)
    return totals
