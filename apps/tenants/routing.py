"""Host → store lookup, cached in Redis so a storefront request does not pay for it.

The cached entry lives at most ``settings.ROUTING_CACHE_SECONDS`` (an hour: a store visited
once an hour never pays the Domain query, which on a page-cache hit was most of a first
visit's cost); status changes made through the services (suspend / resume, profile edits) and
every save or delete of a Store or Domain row forget the hosts at once and again after the
commit. Each web process also keeps what it looked up for ``LOCAL_SECONDS`` (a Redis round trip
on every request, page cache hits included, was a third of a hit's): a change reaches the
process that made it at once and every other process within that bound. Writes that bypass
model signals (``QuerySet.update`` on stores outside the services) show within the hour.

Redis is never required: the cache fails open (settings, ``IGNORE_EXCEPTIONS``), so with Redis
down the lookup is a miss, the store is read from the Domain table in PostgreSQL, and the failed
cache calls are logged once per burst by ``apps.core.redis_outage``.
"""

import pickle
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.observability import metrics
from apps.tenants.models import Domain, Store

LOCAL_SECONDS = 5
LOCAL_MAX_HOSTS = 10_000
# Per process: hostname -> (monotonic expiry, pickled Store); each request unpickles its own
# copy (django-tenants sets attributes on the tenant it routes to).
_local: dict[str, tuple[float, bytes]] = {}


def _key(hostname: str) -> str:
    return f"routing:host:{hostname}"


def get_store_for_host(hostname: str) -> Store:
    """The store serving ``hostname``; raises Domain.DoesNotExist. Call in the public schema."""
    held = _local.get(hostname)
    if held is not None and held[0] > time.monotonic():
        return pickle.loads(held[1])  # noqa: S301 - bytes this process pickled itself
    store = cache.get(_key(hostname))
    metrics.cache_requests.labels("routing", "miss" if store is None else "hit").inc()
    if store is None:
        store = Domain.objects.select_related("tenant").get(domain=hostname).tenant
        cache.set(_key(hostname), store, settings.ROUTING_CACHE_SECONDS)
    if len(_local) >= LOCAL_MAX_HOSTS:
        _local.clear()
    _local[hostname] = (time.monotonic() + LOCAL_SECONDS, pickle.dumps(store, -1))
    return store


def forget_store_hosts(store_id: int) -> None:
    """Drop the cached routing entries of a store now and again after the transaction commits
    (a request in between could have cached the old row)."""

    def forget():
        with schema_context(get_public_schema_name()):
            hosts = list(Domain.objects.filter(tenant_id=store_id).values_list("domain", flat=True))
            cache.delete_many([_key(host) for host in hosts])
        for host in hosts:
            _local.pop(host, None)

    forget()
    if connection.in_atomic_block:
        transaction.on_commit(forget)


def forget_local_copies(**kwargs) -> None:
    """Forget every host this process keeps (a Store or Domain row was written here)."""
    _local.clear()


def forget_written_hosts(sender, instance, **kwargs) -> None:
    """A Store or Domain row was saved or deleted: forget its hosts here and in Redis (signal
    receiver). A new store has none cached yet; a Domain's own host is forgotten, now and
    again after the commit."""
    _local.clear()
    if kwargs.get("raw") or kwargs.get("created") and isinstance(instance, Store):
        return
    if isinstance(instance, Store):
        forget_store_hosts(instance.pk)
        return
    host = instance.domain

    def forget():
        with schema_context(get_public_schema_name()):
            cache.delete(_key(host))
        _local.pop(host, None)

    forget()
    if connection.in_atomic_block:
        transaction.on_commit(forget)
