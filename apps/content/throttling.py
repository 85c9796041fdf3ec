"""Spam control for the contact form: messages per client address per hour.

Counted in Redis through the Django cache (keys carry the store's schema). Fails open when
Redis is down, like the review limit: a contact message is not worth refusing a shopper for.
"""

from django.core.cache import cache

from apps.core import redis_outage

CONTACT_MESSAGES_PER_HOUR = 5
WINDOW_SECONDS = 3600


def count_contact_message(client: str) -> bool:
    """Count one message from ``client``; False once the hourly limit is passed."""
    key = f"content:contact:{client}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    if count is None:
        redis_outage.note_failure("contact rate limit", ConnectionError("cache.incr answered None"))
        return True
    return count <= CONTACT_MESSAGES_PER_HOUR
