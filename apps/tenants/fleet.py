"""Which store schemas a migration must visit, known from the public schema in one query.

Each store-shaped schema (every store's, the template's) has a ``SchemaState`` row whose
``fingerprint`` is the md5 of the migrations the code had when the schema was last migrated
(every node of the migration graph: a store schema records all of them, shared apps' too).
A fleet migration compares it with the code's fingerprint and visits only the schemas that
differ; a new store inherits the template's row (it is a copy of the template).

``migrate_fleet`` (the deploy command) writes the rows as it goes: ``running`` before a store,
``current`` with the new fingerprint after it, ``failed`` with the error otherwise. A run killed
half-way leaves the finished stores current, so the next run resumes with the rest.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable

from django.db.migrations.loader import MigrationLoader
from django.db.models import Q
from django.utils import timezone

from apps.tenants import template_schema
from apps.tenants.models import SchemaState, Store


def code_fingerprint() -> str:
    """md5 of every migration the code holds (``app.name``, sorted)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(f"{app}.{name}" for app, name in loader.graph.nodes)
    return hashlib.md5(",".join(names).encode(), usedforsecurity=False).hexdigest()


def record(
    schema_names: Iterable[str],
    *,
    fingerprint: str | None = None,
    status: str = SchemaState.Status.CURRENT,
    error: str = "",
) -> None:
    """Upsert the state rows of ``schema_names`` (``fingerprint=None`` keeps each row's own)."""
    now = timezone.now()
    rows = [
        SchemaState(
            schema_name=name,
            fingerprint=fingerprint or "",
            status=status,
            error=error,
            updated_at=now,
        )
        for name in schema_names
    ]
    fields = ["status", "error", "updated_at"] + (["fingerprint"] if fingerprint else [])
    SchemaState.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["schema_name"], update_fields=fields
    )


def record_clone_of_template(schema_name: str) -> None:
    """A new store's schema is the template's copy: it is exactly as migrated."""
    template = SchemaState.objects.filter(
        schema_name=template_schema.template_schema_name()
    ).first()
    record([schema_name], fingerprint=template.fingerprint if template else "")


def pending_stores(fingerprint: str) -> list[str]:
    """The stores whose recorded state is not ``fingerprint`` (one query)."""
    current = SchemaState.objects.filter(fingerprint=fingerprint).values("schema_name")
    return list(
        Store.objects.exclude(schema_name__in=current)
        .order_by("id")
        .values_list("schema_name", flat=True)
    )


def template_is_current(fingerprint: str) -> bool:
    return schema_is_current(template_schema.template_schema_name(), fingerprint)


def schema_is_current(state_name: str, fingerprint: str) -> bool:
    return SchemaState.objects.filter(schema_name=state_name, fingerprint=fingerprint).exists()


def pod_template_state_name(pod: str) -> str:
    """The state row of another pod's template schema (the default pod's is the template's
    own name)."""
    return f"{template_schema.template_schema_name()}@{pod}"


def record_whole_fleet(fingerprint: str) -> None:
    """After a full ``migrate_schemas``: every store and the template are current."""
    names = list(Store.objects.values_list("schema_name", flat=True))
    record([*names, template_schema.template_schema_name()], fingerprint=fingerprint)


def forget_dropped_schemas() -> int:
    """Delete the state rows of schemas that no longer exist as stores (or the template)."""
    stores = Store.objects.values("schema_name")
    deleted, _ = (
        SchemaState.objects.exclude(schema_name__in=stores)
        .exclude(schema_name=template_schema.template_schema_name())
        .exclude(schema_name__startswith=f"{template_schema.template_schema_name()}@")
        .delete()
    )
    return deleted


def status_counts(fingerprint: str) -> dict[str, int]:
    """Stores per state against ``fingerprint``: current, pending, running, failed."""
    counts: Counter[str] = Counter()
    rows = Store.objects.values_list("schema_name", flat=True)
    states = {
        s.schema_name: s
        for s in SchemaState.objects.filter(Q(schema_name__in=rows)).only(
            "schema_name", "fingerprint", "status"
        )
    }
    for name in rows:
        state = states.get(name)
        if state and state.status == SchemaState.Status.FAILED:
            counts["failed"] += 1
        elif state and state.fingerprint == fingerprint:
            counts["current"] += 1
        elif state and state.status == SchemaState.Status.RUNNING:
            counts["running"] += 1
        else:
            counts["pending"] += 1
    return dict(counts)


def failed_stores() -> list[tuple[str, str]]:
    return list(
        SchemaState.objects.filter(status=SchemaState.Status.FAILED)
        .order_by("schema_name")
        .values_list("schema_name", "error")
    )
