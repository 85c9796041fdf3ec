"""Gift card code entry is throttled: a few wrong guesses per shopper and window.

Counted per identity (the caller passes the session key or the client's address) by the
platform's one fixed-window limiter (``apps.core.throttling``, failing open when Redis is down).
"""

from apps.core import throttling

CODE_ATTEMPTS_PER_WINDOW = 10
CODE_ATTEMPT_LIMIT = throttling.Limit(
    name="gift-card-attempts", hits=CODE_ATTEMPTS_PER_WINDOW, window_seconds=15 * 60
)


def count_code_attempt(identity: str) -> bool:
    """Count one code entry; False once the window's limit is reached."""
    return throttling.count_hit(CODE_ATTEMPT_LIMIT, identity)
