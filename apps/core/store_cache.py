"""Small, rarely changing store configuration kept in the store's cache.

Shipping methods, tax rates, store settings, webhook subscriptions and the navigation's
categories are read on nearly every storefront request and change a few times a year; reading
them from PostgreSQL each time cost more than the rest of a checkout step. Keys go through the
cache's ``make_key`` (django-tenants), so every store has its own entries.

Invalidation: a save or delete of a model the entry is built from drops the entry at once and
again after the transaction commits (a request that re-read the old rows meanwhile cannot leave
them cached). A short timeout backs that up for writes that bypass model signals.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save

from apps.core import tenancy
from apps.observability import metrics

T = TypeVar("T")
ALL_KEYS: set[str] = set()
TIMEOUT_SECONDS = 300
_MISSING = object()


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


def get_or_load(key: str, load: Callable[[], T], *, timeout: int = TIMEOUT_SECONDS) -> T:
    """The cached value of ``key`` in the current store, loaded (and stored) on a miss."""
    memo = _request_memo.get()
    memo_key = (connection.schema_name, key)
    if memo is not None and memo_key in memo:
        return memo[memo_key]
    value = cache.get(key, _MISSING)
    metrics.cache_requests.labels("store_config", "miss" if value is _MISSING else "hit").inc()
    if value is _MISSING:
        value = load()
        cache.set(key, value, timeout)
    if memo is not None:
        memo[memo_key] = value
    return value


# Called with every invalidation (now and after the commit): caches built from these entries,
# such as the storefront's page cache (``apps.storefront.page_cache``), drop theirs too.
INVALIDATION_HOOKS: list[Callable[[], None]] = []


def invalidate(*keys: str) -> None:
    """Drop the current store's entries now and once more when the transaction commits."""
    _drop(list(keys))
    tenancy.on_commit(lambda: _drop(list(keys)))


def _drop(keys: list[str]) -> None:
    cache.delete_many(keys)
    memo = _request_memo.get()
    if memo is not None:
        for key in keys:
            memo.pop((connection.schema_name, key), None)
    for hook in INVALIDATION_HOOKS:
        hook()


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


def clear_all() -> None:
    """Forget every entry of the current store: a store created again under an old schema
    name, and tests, which roll back the rows the entries were built from."""
    if ALL_KEYS:
        cache.delete_many(list(ALL_KEYS))
