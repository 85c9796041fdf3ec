"""Gift card code entry is throttled: a few wrong guesses per shopper and window.

Counted in Redis through the Django cache (keys carry the store's schema), per identity (the
caller passes the session key or the client's address). Fixed window, as reviews' limit.
"""

from django.core.cache import cache

from apps.core import redis_outage

CODE_ATTEMPTS_PER_WINDOW = 10
WINDOW_SECONDS = 15 * 60


def _key(identity: str) -> str:
    return f"payments:gift-card-attempts:{identity}"


def count_code_attempt(identity: str) -> bool:
    """Count one code entry; False once the window's limit is reached."""
    key = _key(identity)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    if count is None:  # the cache fails open (Redis down): so does the limit
        redis_outage.note_failure("gift card attempts", ConnectionError("cache.incr: None"))
        return True
    return count <= CODE_ATTEMPTS_PER_WINDOW
