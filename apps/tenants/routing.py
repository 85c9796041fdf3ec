"""Host → store lookup, cached in Redis so a storefront request does not pay for it.

The cached entry lives at most ``ROUTING_CACHE_SECONDS``; status changes made through the
services (suspend / resume, profile edits) forget the store's hosts at once.

Redis is never required: the cache fails open (settings, ``IGNORE_EXCEPTIONS``), so with Redis
down the lookup is a miss, the store is read from the Domain table in PostgreSQL, and the failed
cache calls are logged once per burst by ``apps.core.redis_outage``.
"""

from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.observability import metrics
from apps.tenants.models import Domain, Store

ROUTING_CACHE_SECONDS = 60


def _key(hostname: str) -> str:
    return f"routing:host:{hostname}"


def get_store_for_host(hostname: str) -> Store:
    """The store serving ``hostname``; raises Domain.DoesNotExist. Call in the public schema."""
    store = cache.get(_key(hostname))
    metrics.cache_requests.labels("routing", "miss" if store is None else "hit").inc()
    if store is None:
        store = Domain.objects.select_related("tenant").get(domain=hostname).tenant
        cache.set(_key(hostname), store, ROUTING_CACHE_SECONDS)
    return store


def forget_store_hosts(store_id: int) -> None:
    """Drop the cached routing entries of a store now and again after the transaction commits
    (a request in between could have cached the old row)."""

    def forget():
        with schema_context(get_public_schema_name()):
            hosts = list(Domain.objects.filter(tenant_id=store_id).values_list("domain", flat=True))
            cache.delete_many([_key(host) for host in hosts])

    forget()
    if connection.in_atomic_block:
        transaction.on_commit(forget)
