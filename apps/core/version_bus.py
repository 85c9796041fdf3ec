"""Store versions every web process knows without asking Redis, kept current over pub/sub.

A store's configuration generation and its catalog version (``store_cache``,
``product_cache``) decide whether anything a process keeps for the store is still good: its
copies of configuration entries and its copies of cached pages. Reading them from Redis cost
one round trip on every request, a third of a page-cache hit. Instead, each process keeps the
versions it has read, and every write of a version is announced on one pub/sub channel:

- ``announce`` (the only way a version is written, through ``store_cache.set_version``): sets
  the local copy and publishes ``schema, key, value``;
- ``sync`` (once per request, before any version is used): reads the messages waiting on this
  process's subscription without blocking, in order, and applies them. A version announced
  before a request started is seen by that request;
- ``known``: the local copies, only while the subscription is healthy and at most
  ``LOCAL_SECONDS`` old (a bound for a writer that bypassed ``announce``).

When the subscription breaks (Redis restarted, the server dropped a slow subscriber), the
process forgets every version and reads them from Redis again, as it did before this module,
until it has subscribed again. The channel carries the cache's key prefix and Redis database,
so deployments and test runs sharing a Redis server never hear each other.
"""

import logging
import os
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOCAL_SECONDS = 30
RETRY_SECONDS = 5
_FORGET = "-"  # the value of a message that drops a store's versions (``forget_schema``)

# Per process: (schema, key) -> (value, monotonic time it was read or heard).
_known: dict[tuple[str, str], tuple[int, float]] = {}


class _Subscription:
    """This process's subscriber connection (a forked process opens its own)."""

    def __init__(self):
        self.pid = 0
        self.pubsub = None
        self.failed_at = -1e9

    def live(self):
        """The subscription, (re)opened when needed; ``None`` while Redis is unreachable."""
        if self.pid == os.getpid() and self.pubsub is not None:
            return self.pubsub
        if time.monotonic() - self.failed_at < RETRY_SECONDS:
            return None
        _known.clear()
        try:
            pubsub = _redis().pubsub()
            pubsub.subscribe(channel())
            confirmed = pubsub.get_message(timeout=1)  # subscribed before anything is trusted
            if not confirmed or confirmed.get("type") != "subscribe":
                raise RedisError("no subscription confirmation")
        except (RedisError, OSError) as exc:
            logger.warning("version bus unavailable, reading versions from Redis: %s", exc)
            self.failed_at = time.monotonic()
            return None
        # redis-py reconnects and subscribes again by itself: what was announced meanwhile
        # is lost, so everything known before goes.
        pubsub.connection.register_connect_callback(self.reconnected)
        self.pid, self.pubsub = os.getpid(), pubsub
        return pubsub

    def reconnected(self, connection) -> None:
        _known.clear()

    def drop(self):
        _known.clear()
        if self.pubsub is not None:
            try:
                self.pubsub.close()
            except (RedisError, OSError):  # pragma: no cover - closing a broken socket
                pass
        self.pubsub, self.failed_at = None, time.monotonic()


_subscription = _Subscription()
_lock = threading.RLock()


@receiver(setting_changed)
def _cache_moved(*, setting, **kwargs):
    """The cache was pointed at another server (tests): subscribe there at the next request."""
    if setting == "CACHES":
        with _lock:
            _subscription.drop()
            _subscription.failed_at = float("-inf")


def _redis():
    return cache.client.get_client(write=True)  # django-redis's client: untyped


def channel() -> str:
    client = _redis()
    database = client.connection_pool.connection_kwargs.get("db", 0)
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{database}:versions"


def enabled() -> bool:
    return settings.VERSION_BUS_ENABLED


def sync() -> None:
    """Apply every announcement waiting for this process (never waits for Redis)."""
    if not enabled():
        return
    # One subscriber connection per process: threads of a threaded server (and of the
    # concurrency tests) take turns reading it; redis-py's PubSub is not thread-safe.
    with _lock:
        pubsub = _subscription.live()
        if pubsub is None:
            return
        try:
            connection = pubsub.connection
            if connection is not None and not connection.can_read(timeout=0):
                return  # the common answer: one poll of the socket, without get_message's
            while (message := pubsub.get_message(timeout=0)) is not None:
                if message.get("type") == "message":
                    _apply(message["data"])
        except (RedisError, OSError, ValueError) as exc:
            logger.warning("version bus lost, reading versions from Redis: %s", exc)
            _subscription.drop()


def _apply(data: bytes) -> None:
    sender, schema, key, value = data.decode().split("\x1f")
    if sender == _sender():
        return  # applied when announced (an echo arriving later would undo a newer value)
    if value == _FORGET:
        for held in [k for k in list(_known) if k[0] == schema]:
            del _known[held]
    elif (schema, key) in _known:
        _known[(schema, key)] = (int(value), time.monotonic())


def known(schema: str, keys) -> dict[str, int]:
    """The versions of ``keys`` this process knows to be current (those it does not: absent)."""
    if not enabled() or _subscription.pubsub is None or _subscription.pid != os.getpid():
        return {}
    oldest = time.monotonic() - LOCAL_SECONDS
    found = {}
    for key in keys:
        held = _known.get((schema, key))
        if held is not None and held[1] > oldest:
            found[key] = held[0]
    return found


def learn(schema: str, key: str, value: int) -> None:
    """``value`` was just read from Redis for ``key``: keep it (announcements keep it current).

    Only while subscribed: a value read before the subscription started could have missed an
    announcement."""
    if enabled() and _subscription.pubsub is not None and _subscription.pid == os.getpid():
        _known[(schema, key)] = (value, time.monotonic())


def announce(schema: str, key: str, value: int) -> None:
    """``key`` now holds ``value`` in Redis: tell every process (this one at once)."""
    if not enabled():
        return
    if (schema, key) in _known or _subscription.pubsub is not None:
        _known[(schema, key)] = (value, time.monotonic())
    _publish(f"{_sender()}\x1f{schema}\x1f{key}\x1f{value}")


def forget_schema(schema: str) -> None:
    """Every process drops what it knows of ``schema``'s versions (they were deleted)."""
    if not enabled():
        return
    for held in [k for k in list(_known) if k[0] == schema]:
        del _known[held]
    _publish(f"{_sender()}\x1f{schema}\x1f\x1f{_FORGET}")


_senders: dict[int, str] = {}


def _sender() -> str:
    """This process's name on the channel (a forked process gets its own)."""
    pid = os.getpid()
    if pid not in _senders:
        _senders[pid] = f"{pid}.{uuid.uuid4().hex[:8]}"
    return _senders[pid]


def _publish(payload: str) -> None:
    try:
        _redis().publish(channel(), payload)
    except (RedisError, OSError) as exc:
        # The version itself was written (or Redis is down for everyone): processes holding
        # the old one re-read it within LOCAL_SECONDS.
        logger.warning("version announcement not sent: %s", exc)
