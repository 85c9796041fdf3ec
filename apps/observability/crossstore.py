"""Cross-store access detector (seed alert "MultiTenantDataLeakage", issue #22).

Each store is a PostgreSQL schema and no statement may read two of them (architecture §1, §8):
the schema is the boundary that keeps a store movable to its own pod. Django never qualifies
table names, so a statement naming ``"<schema>".<table>`` comes from raw SQL; this guard, an
execute wrapper installed on every database connection, collects the quoted identifiers that a
dot follows (``"x".``), drops the names of our tables (Django writes ``"table"."column"``) and
the non-store schemas, and flags a statement whose remaining names are

- two different store schemas, or
- from inside a store's schema, a store schema other than the current one.

The platform (public schema) may still read one store at a time by qualified name. A flagged
statement counts in ``mercato_cross_store_queries``, is logged, and raises ``CrossStoreQuery``
when ``CROSS_STORE_QUERIES_RAISE`` is on (the test suite turns it on).

Cost: a substring test and a dictionary look-up of the statement text (its result is
remembered: the ORM sends the same parameterised statements again and again); a statement seen
for the first time costs one precompiled regular-expression scan and a set difference.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings

from apps.observability import metrics

logger = logging.getLogger(__name__)

# Schemas that are not stores: the platform's, PostgreSQL's own, and the store template that
# new stores are cloned from (read by the clone itself).
NON_STORE_SCHEMAS = frozenset(
    {"public", "pg_catalog", "information_schema", "pg_toast", settings.TENANT_BASE_SCHEMA}
)

_QUOTED_QUALIFIER = re.compile(r'"([A-Za-z_][\w$-]*)"\s*\.')
_known_tables: frozenset[str] | None = None
_REMEMBERED_STATEMENTS = 4096
_named_by_statement: dict[str, frozenset[str]] = {}


def _tables() -> frozenset[str]:
    """Every table of an installed model (the names Django qualifies columns with)."""
    global _known_tables
    if _known_tables is None:
        from django.apps import apps

        _known_tables = frozenset(
            model._meta.db_table for model in apps.get_models(include_auto_created=True)
        ) | {"django_migrations"}  # MigrationRecorder's model is not in the app registry
    return _known_tables


class CrossStoreQuery(Exception):
    """A statement named two stores' schemas (raised only when CROSS_STORE_QUERIES_RAISE)."""


def store_schemas_named(sql: str) -> frozenset[str]:
    """The store schemas ``sql`` qualifies a table with (remembered per statement text: the
    ORM sends the same parameterised statements again and again)."""
    named = _named_by_statement.get(sql)
    if named is None:
        names = set(_QUOTED_QUALIFIER.findall(sql)) - _tables()
        named = frozenset(
            name for name in names if name not in NON_STORE_SCHEMAS and not name.startswith("pg_")
        )
        if len(_named_by_statement) >= _REMEMBERED_STATEMENTS:
            _named_by_statement.clear()
        _named_by_statement[sql] = named
    return named


def offending_schemas(sql: str, current_schema: str | None) -> set[str]:
    """The schemas that make ``sql`` a cross-store statement in ``current_schema``, or none."""
    named = store_schemas_named(sql)
    if not named:
        return set()
    if len(named) > 1:
        return set(named)
    if current_schema and current_schema not in NON_STORE_SCHEMAS and named != {current_schema}:
        return set(named) | {current_schema}
    return set()


def guard(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict) -> Any:
    """Execute wrapper: run the statement, after checking it stays inside one store."""
    if isinstance(sql, str) and '".' in sql:
        schema = getattr(context["connection"], "schema_name", None)
        offending = offending_schemas(sql, schema)
        if offending:
            metrics.cross_store_queries.inc()
            logger.error(
                "cross-store statement (schemas %s) in schema %s: %.200s",
                ", ".join(sorted(offending)), schema, sql,
            )  # fmt: skip
            if settings.CROSS_STORE_QUERIES_RAISE:
                raise CrossStoreQuery(
                    f"statement touches stores {sorted(offending)} from schema {schema!r}"
                )
    return execute(sql, params, many, context)


def install(connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: put the guard under every other execute wrapper.

    Inserted first, not appended: a connection opened inside ``connection.execute_wrapper()``
    would otherwise have the guard popped off in place of that block's own wrapper.
    """
    if guard not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, guard)
