"""Spam control: how many reviews a customer may write or edit per hour.

Counted by ``apps.core.throttling`` (Redis through the Django cache, schema-prefixed keys, fails
open). The key carries the account's ``date_joined``: a counter belongs to one account, never
to a later account that reuses an id.
"""

from apps.core import throttling

REVIEW_WRITES_PER_HOUR = 5
WINDOW_SECONDS = 3600
REVIEW_WRITES = throttling.Limit("reviews-writes", REVIEW_WRITES_PER_HOUR, WINDOW_SECONDS)


def _ident(user) -> str:
    return f"{user.pk}:{int(user.date_joined.timestamp() * 1_000_000)}"


def review_writes_left(user) -> int:
    return throttling.hits_left(REVIEW_WRITES, _ident(user))


def count_review_write(user) -> bool:
    """Count one write; return False when the hourly limit is reached."""
    return throttling.count_hit(REVIEW_WRITES, _ident(user))
