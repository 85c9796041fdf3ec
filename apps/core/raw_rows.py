"""Model instances from plain SQL rows, for the few hot multi-row reads kept in SQL (the cart).

Building a select_related ORM query (SQL compiler, converters) cost several times more CPU than
PostgreSQL spent running it; these helpers let such a read be written once in SQL (in its app's
``sql.py``) and still hand out ordinary, saved model instances with every field loaded. They
run no SQL themselves. Related rows are never pushed into a queryset's private caches: a caller
that needs an instance's related rows uses ``prefetch_related``/``Prefetch``.
"""

from collections.abc import Callable, Sequence
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


def split(row: Sequence, *models: type[Model]) -> list[Any]:
    """Instances of ``models`` from a row of ``columns(models[0], …), columns(models[1], …)``,
    in that order. Columns after theirs (computed values) are left to the caller."""
    instances, start = [], 0
    for model in models:
        end = start + width(model)
        instances.append(instance(model, row[start:end]))
        start = end
    return instances


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


def fetch_by_token(model: type[Model], fetch: Callable[[UUID], tuple | None], token) -> tuple:
    """The row ``fetch`` (an app's ``sql.py`` read) returns for ``token``; ``model.DoesNotExist``
    when the token is malformed or matches nothing (a URL's token is shopper input)."""
    try:
        row = fetch(UUID(str(token)))
    except ValueError as exc:
        raise model.DoesNotExist(f"No such {model._meta.verbose_name}.") from exc  # type: ignore[attr-defined]
    if row is None:
        raise model.DoesNotExist(f"No such {model._meta.verbose_name}.")  # type: ignore[attr-defined]
    return row


def locked(model: type[M], lock: Callable[[int], tuple | None], pk: int) -> M:
    """The instance of the row ``lock`` (an app's ``sql.py`` ``SELECT … FOR UPDATE``) locked for
    ``pk``; ``model.DoesNotExist`` if none. Call inside a transaction."""
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            f"Locking a {model._meta.verbose_name} needs a transaction."
        )
    row = lock(pk)
    if row is None:
        raise model.DoesNotExist(f"No {model._meta.verbose_name} {pk}.")  # type: ignore[attr-defined]
    return instance(model, row)
