"""Spam control for the contact form: messages per client address per hour.

Counted by the platform's one fixed-window limiter (``apps.core.throttling``: Redis through the
Django cache, keys per store schema, failing open when Redis is down).
"""

from apps.core import throttling

CONTACT_MESSAGES_PER_HOUR = 5
CONTACT_LIMIT = throttling.Limit(
    name="contact", hits=CONTACT_MESSAGES_PER_HOUR, window_seconds=3600
)


def count_contact_message(client: str) -> bool:
    """Count one message from ``client``; False once the hourly limit is passed."""
    return throttling.count_hit(CONTACT_LIMIT, client)
