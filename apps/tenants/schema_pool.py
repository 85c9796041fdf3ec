"""Schemas made ahead of signups: a new store claims one with a rename instead of a clone.

Beat tops the pool up (``top_up_schema_pool_task``, ``STORE_SCHEMA_POOL_SIZE`` schemas) by
cloning the template; a signup claims the oldest schema made from the template *as it stands*
(same applied-migrations fingerprint), renames it to the store's slug and writes the store's
rows, all in its own transaction. Nothing waits for the pool: when it is empty (or only holds
schemas of an older template) ``Store.create_schema`` clones the template directly.

A migration leaves the pool behind: ``discard_stale`` drops schemas made from an older template
(``migrate_schemas`` and ``migrate_fleet`` call it once the template is migrated) and the next
top-up makes current ones, so a claimed schema is always as current as the template.
"""

import logging
import uuid

from django.conf import settings
from django.db import transaction

from apps.tenants import sql, template_schema
from apps.tenants.models import PooledSchema

logger = logging.getLogger(__name__)

PREFIX = "pool_"


def target_size() -> int:
    return settings.STORE_SCHEMA_POOL_SIZE


def claim(schema_name: str) -> bool:
    """In the caller's transaction: rename a current pooled schema to ``schema_name``.

    False when none is free (``SKIP LOCKED``: two signups never wait for each other).
    """
    fingerprint = template_schema.template_fingerprint()
    pooled = (
        PooledSchema.objects.select_for_update(skip_locked=True)
        .filter(fingerprint=fingerprint)
        .order_by("id")
        .first()
    )
    if pooled is None:
        return False
    pooled.delete()
    sql.rename_schema(pooled.schema_name, schema_name)
    return True


def available() -> int:
    fingerprint = template_schema.template_fingerprint()
    return PooledSchema.objects.filter(fingerprint=fingerprint).count()


def discard_stale() -> int:
    """Drop pooled schemas made from an older template; return how many."""
    fingerprint = template_schema.template_fingerprint()
    dropped = 0
    for name in PooledSchema.objects.exclude(fingerprint=fingerprint).values_list(
        "schema_name", flat=True
    ):
        with transaction.atomic():
            row = (
                PooledSchema.objects.select_for_update(skip_locked=True)
                .filter(schema_name=name)
                .first()
            )
            if row is None:  # claimed meanwhile (it cannot be: stale ones are never claimed)
                continue
            sql.drop_schema(name)
            row.delete()
            dropped += 1
    return dropped


def top_up(size: int | None = None) -> int:
    """Make pooled schemas until ``size`` current ones wait; return how many were made."""
    size = target_size() if size is None else size
    discard_stale()
    made = 0
    while available() < size:
        fingerprint = template_schema.template_fingerprint()
        name = f"{PREFIX}{uuid.uuid4().hex[:20]}"
        with transaction.atomic():
            template_schema.clone_template_schema(name)
            PooledSchema.objects.create(schema_name=name, fingerprint=fingerprint)
        made += 1
    if made:
        logger.info("schema pool: made %d, %d waiting", made, size)
    return made


def drain() -> int:
    """Drop every pooled schema (tests, benchmarks)."""
    dropped = 0
    for name in PooledSchema.objects.values_list("schema_name", flat=True):
        with transaction.atomic():
            sql.drop_schema(name)
            PooledSchema.objects.filter(schema_name=name).delete()
            dropped += 1
    return dropped
