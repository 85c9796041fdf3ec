"""Small, rarely changing store configuration kept in the store's cache.

Shipping methods, tax rates, store settings, webhook subscriptions and the navigation's
categories are read on nearly every storefront request and change a few times a year; reading
them from PostgreSQL each time cost more than the rest of a checkout step. Keys go through the
cache's ``make_key`` (django-tenants), so every store has its own entries.

Invalidation: a save or delete of a model the entry is built from drops the entry at once and
again after the transaction commits (a request that re-read the old rows meanwhile cannot leave
them cached). A short timeout backs that up for writes that bypass model signals.

Three levels, cheapest first (a product page read eleven entries, eleven Redis round trips):

- **the request** (``RequestMemoMiddleware``): each entry, and each version read through
  ``read_once``, is read once per request;
- **the process**: entries read before are kept in the web process too, as pickled bytes (each
  request unpickles its own copy), under the store's *generation* — a number every
  invalidation moves (now and after the commit) and a request reads once (the page cache reads
  it with its own lookup). A store whose configuration did not change costs no round trip per
  entry; one that did re-reads the entry from Redis. Only inside a request: tasks and scripts
  read Redis each time, as before;
- **Redis**, then PostgreSQL (``load``).

A store's first request in a process (``warm_with_generation``): the entries nearly every
storefront page reads (settings, theme, navigation, markets…) ride along with the generation's
read, one round trip for all, instead of one each; those Redis lacks are loaded from PostgreSQL
without asking Redis again.
"""

import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save

from apps.core import tenancy, version_bus
from apps.observability import metrics

T = TypeVar("T")
# Moved by every invalidation of the store's entries; the page cache's page version too (a
# store configuration change drops its cached pages).
GENERATION_KEY = "store-config:generation"
ALL_KEYS: set[str] = {GENERATION_KEY}
TIMEOUT_SECONDS = 300
# Per process, past either bound the process forgets every copy and starts over (a product
# structure is a few KB: a worker's copies stay within tens of MB whatever the catalog size).
LOCAL_MAX_ENTRIES = 5_000
LOCAL_MAX_BYTES = 32 * 1024 * 1024
_MISSING = object()
# In the request's memo: the entry was asked for with the generation and Redis lacks it.
_NOT_IN_REDIS = object()
# Per process: (schema, key) -> (generation, monotonic expiry, pickled value).
_local: dict[tuple[str, str], tuple[int, float, bytes]] = {}
_local_bytes = 0
# Versions read once per request by their owners (``read_once``) that ride along with the
# generation's read, one round trip for all: the catalog version, the recommendations' one.
_READ_WITH_GENERATION: list[str] = []
# Entries (key -> local timeout) fetched with the generation when this process holds no copy.
_WARM_WITH_GENERATION: dict[str, int] = {}
# Per process: (schema, generation) -> the riders and entries Redis lacked when last asked.
_absent: dict[tuple[str, int], set[str]] = {}


# Inside a request (``RequestMemoMiddleware``), each entry is read from Redis once: a product
# page asked for the store settings, theme and canonical host twice each (context processors,
# views, middleware), one Redis round trip each time.
_request_memo: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar(
    "store_cache_request_memo", default=None
)


@contextmanager
def memo_for_request() -> Iterator[None]:
    """Remember the entries read until the block ends (one request)."""
    token = _request_memo.set({})
    try:
        yield
    finally:
        _request_memo.reset(token)


def in_request() -> bool:
    """Whether this code runs inside a web request (``RequestMemoMiddleware``'s block); tasks,
    commands and threads started by the process are outside."""
    return _request_memo.get() is not None


def get_or_load(key: str, load: Callable[[], T], *, timeout: int = TIMEOUT_SECONDS) -> T:
    """The cached value of ``key`` in the current store, loaded (and stored) on a miss."""
    memo = _request_memo.get()
    memo_key = (connection.schema_name, key)
    held: Any = _MISSING if memo is None else memo.get(memo_key, _MISSING)
    if held is not _MISSING and held is not _NOT_IN_REDIS:
        return held
    generation = current_generation() if memo is not None else None
    value = _local_get(memo_key, generation)
    if value is _MISSING:
        value = _MISSING if held is _NOT_IN_REDIS else cache.get(key, _MISSING)
        metrics.cache_requests.labels("store_config", "miss" if value is _MISSING else "hit").inc()
        if value is _MISSING:
            value = load()
            cache.set(key, value, timeout)
        _local_set(memo_key, generation, value, timeout)
    if memo is not None:
        memo[memo_key] = value
    return value


def get_many_or_load(
    keys: Iterable[str], load: Callable[[list[str]], dict[str, Any]], *, timeout: int
) -> dict[str, Any]:
    """The cached values of ``keys`` (one Redis read for those this process does not hold);
    ``load(missing keys)`` gives the others, which are stored."""
    schema = connection.schema_name
    generation = current_generation() if _request_memo.get() is not None else None
    found: dict[str, Any] = {}
    for key in keys:
        value = _local_get((schema, key), generation)
        if value is not _MISSING:
            found[key] = value
    wanted = [key for key in keys if key not in found]
    if wanted:
        # A copy: with Redis down, django-redis answers with one shared empty dict.
        fetched = dict(cache.get_many(wanted))
        missing = [key for key in wanted if key not in fetched]
        if missing:
            loaded = load(missing)
            cache.set_many(loaded, timeout)
            fetched.update(loaded)
        for key, value in fetched.items():
            _local_set((schema, key), generation, value, timeout)
        found.update(fetched)
    return found


def read_once(key: str, read: Callable[[], T]) -> T:
    """``read()`` once per request (a version a request should see one value of)."""
    memo = _request_memo.get()
    if memo is None:
        return read()
    memo_key = (connection.schema_name, key)
    if memo_key not in memo:
        memo[memo_key] = read()
    return memo[memo_key]


def remember(key: str, value: Any) -> None:
    """``value`` is what ``key`` holds now (read or written by the caller) for this request."""
    memo = _request_memo.get()
    if memo is not None:
        memo[(connection.schema_name, key)] = value


def read_with_generation(key: str) -> None:
    """Fetch ``key`` (a version its owner reads through ``read_once``) in the same round trip
    as the generation, into the request's memo (call from ``AppConfig.ready``)."""
    if key not in _READ_WITH_GENERATION:
        _READ_WITH_GENERATION.append(key)


def warm_with_generation(key: str, *, timeout: int = TIMEOUT_SECONDS) -> None:
    """Fetch the entry ``key`` (read through ``get_or_load`` with ``timeout``) in the same round
    trip as the generation whenever this process holds no copy of it for the store (call from
    ``AppConfig.ready`` or the owner's module)."""
    _WARM_WITH_GENERATION[key] = timeout


def current_generation() -> int | None:
    """The store's configuration generation (once per request); ``None`` without Redis."""
    return read_once(GENERATION_KEY, _read_generation)


def _read_generation() -> int | None:
    return read_generation_with()[GENERATION_KEY]


def read_generation_with(*keys: str) -> dict[str, Any]:
    """The generation (remembered for the request, with the versions read along with it:
    ``read_with_generation``) and the values of ``keys`` found, in one round trip (none for
    the versions this process knows to be current: ``version_bus``)."""
    memo = _request_memo.get()
    schema = connection.schema_name
    riders = [key for key in _READ_WITH_GENERATION if memo is None or (schema, key) not in memo]
    entries = [] if memo is None else [key for key in _WARM_WITH_GENERATION if _unheld(schema, key)]
    versions = [GENERATION_KEY, *riders]
    local = version_bus.known(schema, versions) if memo is not None else {}
    if GENERATION_KEY in local:
        # Only a prefetch: what Redis lacked under this generation is left to its owner's read
        # (a page-cache hit of a page that reads neither asked for them on every request).
        absent = _absent.get((schema, local[GENERATION_KEY]), set()) - local.keys()
        riders = [key for key in riders if key not in absent]
        entries = [key for key in entries if key not in absent]
        versions = [GENERATION_KEY, *riders]
    wanted = [key for key in versions if key not in local] + entries + list(keys)
    found = {**(cache.get_many(wanted) if wanted else {}), **local}
    for key in versions:
        if key not in local and found.get(key) is not None:
            version_bus.learn(schema, key, found[key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = _create_version(GENERATION_KEY)
    missing = {key for key in [*riders, *entries] if key not in local and found.get(key) is None}
    if missing and wanted:
        if len(_absent) > LOCAL_MAX_ENTRIES:
            _absent.clear()
        _absent.setdefault((schema, generation), set()).update(missing)
    if memo is not None:
        memo[(schema, GENERATION_KEY)] = generation
        for key in riders:
            if found.get(key) is not None:  # a missing version is left to its owner's read
                memo[(schema, key)] = found[key]
        for key in entries:
            if key in found:
                metrics.cache_requests.labels("store_config", "hit").inc()
                memo[(schema, key)] = found[key]
                _local_set((schema, key), generation, found[key], _WARM_WITH_GENERATION[key])
            elif (schema, key) not in memo:
                memo[(schema, key)] = _NOT_IN_REDIS
    return {**{key: found[key] for key in keys if key in found}, GENERATION_KEY: generation}


def read_version(key: str, initial: Callable[[], int] | None = None) -> int:
    """The current store's version ``key`` (see ``set_version``). When Redis has none, a new
    one, or ``initial()`` when the owner derives it from PostgreSQL."""
    version = cache.get(key)
    if version is not None:
        version_bus.learn(connection.schema_name, key, version)
        return version
    if initial is None:
        return _create_version(key)
    version = initial()
    cache.set(key, version, None)  # not announced: see ``_create_version``
    version_bus.learn(connection.schema_name, key, version)
    return version


def _create_version(key: str) -> int:
    """A version never used before in this store (entries of an evicted version stay unused).
    ``add`` tells whether ours is the one stored: a second read only when another request
    stored its own first."""
    candidate = time.time_ns()
    version = candidate if cache.add(key, candidate, None) else cache.get(key)
    if version is None:
        return candidate  # Redis is down: this request's own
    # No announcement: no process can hold a copy of a version that was missing, and one
    # holding an evicted version's only renders pages others will not take for current.
    version_bus.learn(connection.schema_name, key, version)
    return version


def set_version(key: str, value: int) -> None:
    """``key`` (a version: the generation, the catalog version…) now holds ``value``, for this
    request and every web process (``version_bus``). Versions are written only here."""
    cache.set(key, value, None)
    remember(key, value)
    version_bus.announce(connection.schema_name, key, value)


def _unheld(schema: str, key: str) -> bool:
    """No copy of the entry in this request or this process (another generation's counts)."""
    memo = _request_memo.get()
    if memo is not None and (schema, key) in memo:
        return False
    held = _local.get((schema, key))
    return held is None or held[1] < time.monotonic()


def _local_get(memo_key: tuple[str, str], generation: int | None) -> Any:
    held = _local.get(memo_key)
    if held is None or generation is None or held[0] != generation:
        return _MISSING
    if held[1] < time.monotonic():
        return _MISSING
    return pickle.loads(held[2])  # noqa: S301 - bytes this process pickled itself


def _local_set(memo_key: tuple[str, str], generation: int | None, value: Any, timeout: int):
    if generation is None:
        return
    global _local_bytes
    data = pickle.dumps(value, -1)
    if len(_local) >= LOCAL_MAX_ENTRIES or _local_bytes + len(data) > LOCAL_MAX_BYTES:
        _local.clear()
        _local_bytes = 0
    previous = _local.get(memo_key)
    _local_bytes += len(data) - (len(previous[2]) if previous else 0)
    _local[memo_key] = (generation, time.monotonic() + timeout, data)


def invalidate(*keys: str) -> None:
    """Drop the current store's entries now and once more when the transaction commits."""
    _drop(list(keys))

    def after_commit() -> None:
        _drop(list(keys))
        pages_dropped()

    tenancy.on_commit(after_commit)


# Called in the store's schema once a change that dropped its cached pages has committed (the
# storefront renders the home page again ahead of its visitors); registered from ``ready``.
_PAGES_DROPPED: list[Callable[[], None]] = []


def when_pages_dropped(callback: Callable[[], None]) -> None:
    """Call ``callback`` (in the store's schema) after a change that dropped the store's cached
    pages has committed: its configuration generation or catalog version moved, or the store
    was opened. It must be cheap and never raise (the change is committed by then)."""
    if callback not in _PAGES_DROPPED:
        _PAGES_DROPPED.append(callback)


def pages_dropped() -> None:
    """The current store's cached pages were dropped by a committed change (call after the
    commit: after the version's final move, so what is rendered next is current)."""
    for callback in _PAGES_DROPPED:
        callback()


def _drop(keys: list[str]) -> None:
    cache.delete_many(keys)
    # Every process re-reads the store's entries, and the page cache drops the store's pages.
    set_version(GENERATION_KEY, time.time_ns())
    memo = _request_memo.get()
    if memo is not None:
        for key in keys:
            memo.pop((connection.schema_name, key), None)


def invalidate_on_change(model, *keys: str) -> None:
    """Drop ``keys`` whenever a row of ``model`` is saved or deleted (call from ``ready``)."""

    def receiver(sender, **kwargs):
        if kwargs.get("raw"):  # loading fixtures
            return
        invalidate(*keys)

    ALL_KEYS.update(keys)
    uid = f"store_cache:{model._meta.label}:{','.join(keys)}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


def forget_local_copies() -> None:
    """Forget this process's copies of the current store's entries (as a new worker would)."""
    global _local_bytes
    schema = connection.schema_name
    for memo_key in [k for k in _local if k[0] == schema]:
        _local_bytes -= len(_local.pop(memo_key)[2])


def clear_all() -> None:
    """Forget every entry of the current store: a store created again under an old schema
    name, and tests, which roll back the rows the entries were built from. (The generation
    goes too: the next one read is new, so no process keeps its copies.)"""
    cache.delete_many(list(ALL_KEYS))
    version_bus.forget_schema(connection.schema_name)
    memo = _request_memo.get()
    if memo is not None:
        for memo_key in [k for k in memo if k[0] == connection.schema_name]:
            del memo[memo_key]
