"""Spam control: how many reviews a customer may write or edit per hour.

Counted in Redis through the Django cache, whose keys carry the store's schema (so two stores'
customers with the same id never share a counter). The key also carries the account's
``date_joined``: a counter belongs to one account, never to a later account that reuses an id.
"""

from django.core.cache import cache

from apps.core import redis_outage

REVIEW_WRITES_PER_HOUR = 5
WINDOW_SECONDS = 3600


def _key(user) -> str:
    return f"reviews:writes:{user.pk}:{int(user.date_joined.timestamp() * 1_000_000)}"


def review_writes_left(user) -> int:
    return max(REVIEW_WRITES_PER_HOUR - int(cache.get(_key(user)) or 0), 0)


def count_review_write(user) -> bool:
    """Count one write; return False (and count nothing more) when the hourly limit is reached.

    Fixed window: the first write of a window starts a one-hour counter (``add`` only sets a
    missing key, ``incr`` is atomic in Redis), so concurrent requests cannot both slip through.
    """
    key = _key(user)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    if count is None:  # the cache fails open (Redis down): so does the limit
        redis_outage.note_failure("review rate limit", ConnectionError("cache.incr answered None"))
        return True
    return count <= REVIEW_WRITES_PER_HOUR
