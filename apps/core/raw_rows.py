"""Model instances from plain SQL rows, for the few hottest storefront reads.

Building a select_related ORM query (SQL compiler, converters) cost several times more CPU than
PostgreSQL spent running it; these helpers let such a read be written once in SQL and still
hand out ordinary, saved model instances with every field loaded.
"""

from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

from django.db import connection
from django.db.models import Model
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` under table alias ``alias``, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def locked(model: type[M], sql: str, pk: int) -> M:
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
        raise model.DoesNotExist(f"No such {model._meta.verbose_name}.") from exc  # type: ignore[attr-defined]
    return _one_row(model, sql, token)


def _one_row(model: type[Model], sql: str, key) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"No {model._meta.verbose_name} {key}.")  # type: ignore[attr-defined]
    return row


def split(row: Sequence, *models: type[Model]) -> list[Any]:
    """Instances of ``models`` from a row of ``columns(models[0], …), columns(models[1], …)``,
    in that order. Columns after theirs (computed values) are left to the caller."""
    instances, start = [], 0
    for model in models:
        end = start + width(model)
        instances.append(instance(model, row[start:end]))
        start = end
    return instances


def set_prefetched(obj: Model, name: str, related: Sequence[Model], *, back: str) -> None:
    """Hand ``obj.<name>.all()`` the rows ``related`` as ``prefetch_related`` would (no query
    when iterated); each one's ``<back>`` foreign key points at ``obj``."""
    for item in related:
        setattr(item, back, obj)
    queryset = getattr(obj, name).all()
    queryset._result_cache = related
    queryset._prefetch_done = True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    obj._prefetched_objects_cache[name] = queryset  # type: ignore[attr-defined]


def instance(model: type[M], values: Sequence) -> M:
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
