"""Model instances from plain SQL rows, for the few hottest storefront reads.

Building a select_related ORM query (SQL compiler, converters) cost several times more CPU than
PostgreSQL spent running it; these helpers let such a read be written once in SQL and still
hand out ordinary, saved model instances with every field loaded. They hold no app's SQL: each
statement is written in its app's ``sql.py`` (or, until moved, where the caller keeps it) and
run through ``apps.core.sql``. Related rows are never pushed into a queryset's private caches:
a caller that needs an instance's related rows uses ``prefetch_related``/``Prefetch``.
"""

from collections.abc import Sequence
from uuid import UUID

from django.db import connection
from django.db.models import Model
from django.db.transaction import TransactionManagementError

from apps.core import sql


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` under table alias ``alias``, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def locked(model: type[Model], sql: str, pk: int) -> Model:
    """The one row ``sql`` selects (and locks) for ``pk``; ``model.DoesNotExist`` if none.

    Call inside a transaction (``FOR UPDATE`` outside one locks nothing for long).
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    return instance(model, _one_row(model, sql, pk))


def fetch_by_token(model: type[Model], sql: str, token) -> tuple:
    """The one row ``sql`` selects for ``token``, a UUID and the statement's only parameter;
    ``model.DoesNotExist`` when the token is malformed or matches nothing (a URL's token is
    shopper input)."""
    try:
        token = UUID(str(token))
    except ValueError as exc:
        raise model.DoesNotExist(f"No such {model._meta.verbose_name}.") from exc
    return _one_row(model, sql, token)


def _one_row(model: type[Model], statement: str, key) -> tuple:
    row = sql.fetch_one(statement, [key])
    if row is None:
        raise model.DoesNotExist(f"No {model._meta.verbose_name} {key}.")
    return row


def split(row: Sequence, *models: type[Model]) -> list[Model]:
    """Instances of ``models`` from a row of ``columns(models[0], …), columns(models[1], …)``,
    in that order. Columns after theirs (computed values) are left to the caller."""
    instances, start = [], 0
    for model in models:
        end = start + width(model)
        instances.append(instance(model, row[start:end]))
        start = end
    return instances


def instance(model: type[Model], values: Sequence) -> Model:
    """A saved ``model`` instance from the values of ``columns(model, ...)``, converted as the
    ORM converts them (JSON fields, say)."""
    fields = model._meta.concrete_fields
    converted = [
        field.from_db_value(value, None, connection)
        if value is not None and hasattr(field, "from_db_value")
        else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], converted)
