"""Redis is optional at request time: what we log (and count) when it fails.

The cache is configured to fail open (django-redis ``IGNORE_EXCEPTIONS``, see settings): a read
that cannot reach Redis is a miss, a write is skipped, and the page is served from PostgreSQL.
Code that talks to Redis directly (product cards, recommendation signals) catches
``redis.exceptions.RedisError`` and calls ``note_failure``.

A page makes a dozen cache calls, so an outage would log a dozen tracebacks per request.
``BurstFilter`` lets one line through per ``QUIET_SECONDS`` per process, naming how many failures
it swallowed since the previous line; ``failures_total`` counts every failure of this process.

A Redis that hangs instead of refusing (a dead host, a full network path) would cost every cache
call its whole socket timeout, a dozen times per page. The cache's connections therefore fail
fast (``FailFastConnectionPool``): after a connect or read of this process fails, new
connections are refused at once for ``RETRY_SECONDS``, then one real attempt is made again.
"""

import logging
import threading
import time

from redis.connection import Connection, ConnectionPool, SSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

QUIET_SECONDS = 30.0
RETRY_SECONDS = 5.0
logger = logging.getLogger("mercato.redis")


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures_total = 0
        self.suppressed = 0
        self.last_logged = float("-inf")
        self.down_until = float("-inf")


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


class _FailFast:
    """Connection mixin: refuse to connect while a recent failure says Redis is unreachable."""

    def connect(self) -> None:
        if getattr(self, "_sock", None) is None and time.monotonic() < _counter.down_until:
            raise RedisConnectionError(
                f"Redis unreachable a moment ago; next attempt within {RETRY_SECONDS:g} s"
            )
        try:
            super().connect()  # type: ignore[misc]
        except (RedisConnectionError, RedisTimeoutError):
            _counter.down_until = time.monotonic() + RETRY_SECONDS
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)  # type: ignore[misc]
        except (RedisConnectionError, RedisTimeoutError):
            _counter.down_until = time.monotonic() + RETRY_SECONDS
            raise


class FailFastConnection(_FailFast, Connection):
    pass


class FailFastSSLConnection(_FailFast, SSLConnection):
    pass


class FailFastConnectionPool(ConnectionPool):
    """The cache's pool (settings ``CONNECTION_POOL_CLASS``): fail-fast connections."""

    def __init__(self, connection_class=Connection, **kwargs) -> None:
        fail_fast = {Connection: FailFastConnection, SSLConnection: FailFastSSLConnection}
        super().__init__(
            connection_class=fail_fast.get(connection_class, connection_class), **kwargs
        )
