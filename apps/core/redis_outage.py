"""Redis is optional at request time: what we log (and count) when it fails.

The cache is configured to fail open (django-redis ``IGNORE_EXCEPTIONS``, see settings): a read
that cannot reach Redis is a miss, a write is skipped, and the page is served from PostgreSQL.
Code that talks to Redis directly (product cards, recommendation signals) catches
``redis.exceptions.RedisError`` and calls ``note_failure``.

A page makes a dozen cache calls, so an outage would log a dozen tracebacks per request.
``BurstFilter`` lets one line through per ``QUIET_SECONDS`` per process, naming how many failures
it swallowed since the previous line; ``failures_total`` counts every failure of this process.
"""

import logging
import threading
import time

QUIET_SECONDS = 30.0
logger = logging.getLogger("mercato.redis")


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures_total = 0
        self.suppressed = 0
        self.last_logged = float("-inf")


_counter = _Counter()


def failures_total() -> int:
    """Failed Redis calls seen by this process since it started."""
    return _counter.failures_total


def _count_and_admit() -> tuple[bool, int]:
    """Count one failure; say whether it should be logged, and how many were swallowed."""
    now = time.monotonic()
    with _counter.lock:
        _counter.failures_total += 1
        if now - _counter.last_logged < QUIET_SECONDS:
            _counter.suppressed += 1
            return False, 0
        suppressed, _counter.suppressed = _counter.suppressed, 0
        _counter.last_logged = now
        return True, suppressed


def note_failure(what: str, exc: BaseException) -> None:
    """Record that ``what`` ran without Redis (logged at most once per burst)."""
    admit, suppressed = _count_and_admit()
    if admit:
        logger.warning(
            "Redis unavailable, %s skipped (%s: %s); %d more failures since the last report",
            what,
            type(exc).__name__,
            exc,
            suppressed,
        )


class BurstFilter(logging.Filter):
    """Attached to django-redis's logger of ignored exceptions: one short line per burst."""

    def filter(self, record: logging.LogRecord) -> bool:
        admit, suppressed = _count_and_admit()
        if not admit:
            return False
        exc = record.exc_info[1] if record.exc_info else None
        cause = exc.__cause__ if exc is not None and exc.__cause__ is not None else exc
        record.msg = (
            "Redis unavailable, cache call served as a miss (%s: %s); "
            "%d more failures since the last report"
        )
        record.args = (type(cause).__name__, cause, suppressed)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True
