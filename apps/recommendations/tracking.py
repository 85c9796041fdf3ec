"""The Redis side of signal collection: a page view costs one pipelined round trip.

Keys go through the tenant-aware cache's ``make_key`` so every one carries the store's schema
(``<schema>:<prefix>:<version>:recs:…``): store A's buffer is invisible to store B's flush.

- ``recs:views`` — a list of ``day|visitor_key|product_id`` events, appended per view and
  drained into ``ProductViewDaily`` by the flush task. Capped so a stopped beat cannot grow it
  without bound (the oldest events go first).
- ``recs:stats:<day>`` — a hash of running totals per widget (``<widget>:i`` impressions,
  ``<widget>:c`` clicks). The flush writes the totals as they stand, so running it twice is
  harmless; the hash expires a few days after its day.
"""

from collections.abc import Iterable
from datetime import date

from django.core.cache import cache
from django.utils import timezone

VIEWS_KEY = "recs:views"
VIEWS_CAP = 500_000
STATS_TTL_SECONDS = 3 * 24 * 3600


def _redis():
    return cache.client.get_client(write=True)


def _key(name: str) -> str:
    return cache.make_key(name)


def stats_key(day: date) -> str:
    return _key(f"recs:stats:{day.isoformat()}")


def push_view(*, visitor_key: str, product_id: int, impressions: Iterable[str] = ()) -> None:
    """Buffer one product view (and the widgets the page showed) in one round trip."""
    today = timezone.now().date()
    views_key = _key(VIEWS_KEY)
    pipe = _redis().pipeline(transaction=False)
    pipe.rpush(views_key, f"{today.isoformat()}|{visitor_key}|{int(product_id)}")
    pipe.ltrim(views_key, -VIEWS_CAP, -1)
    _count(pipe, today, [(widget, "i") for widget in impressions])
    pipe.execute()


def count_impressions(widgets: Iterable[str]) -> None:
    """Count widgets shown on a page that records no view (the home page)."""
    widgets = list(widgets)
    if not widgets:
        return
    pipe = _redis().pipeline(transaction=False)
    _count(pipe, timezone.now().date(), [(widget, "i") for widget in widgets])
    pipe.execute()


def count_click(widget: str) -> None:
    pipe = _redis().pipeline(transaction=False)
    _count(pipe, timezone.now().date(), [(widget, "c")])
    pipe.execute()


def _count(pipe, day: date, fields: list[tuple[str, str]]) -> None:
    if not fields:
        return
    key = stats_key(day)
    for widget, what in fields:
        pipe.hincrby(key, f"{widget}:{what}", 1)
    pipe.expire(key, STATS_TTL_SECONDS)


def read_views(limit: int) -> tuple[list[tuple[date, str, int]], int]:
    """The oldest buffered views, parsed, and how many entries were read (malformed included)."""
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
    return _redis().llen(_key(VIEWS_KEY))


def read_stats(day: date) -> dict[tuple[str, str], int]:
    totals = {}
    for field, value in _redis().hgetall(stats_key(day)).items():
        widget, _, what = field.decode().rpartition(":")
        totals[(widget, what)] = int(value)
    return totals
