"""Tenant-safe transaction hooks.

``transaction.on_commit`` callbacks run when the outermost transaction commits, in whatever
schema the connection is in *then*. Code that queued work inside ``schema_context(store)``
within a longer transaction (the demo seed, management commands, tests) would otherwise run
its callbacks — queries, Celery sends, whose headers carry the schema — in the wrong schema.
"""

from collections.abc import Callable

from django.db import connection, transaction
from django_tenants.utils import schema_context


def on_commit(func: Callable[[], object], *, robust: bool = False) -> None:
    """Like ``transaction.on_commit``, but the callback runs in the schema it was queued in.

    Pass ``robust=True`` for callbacks that only enqueue follow-up work: the change is
    committed by then, and a broker outage must not turn it into a server error (the callback's
    exception is logged instead).
    """
    schema = connection.schema_name

    def run_in_queued_schema() -> None:
        if connection.schema_name == schema:
            func()
            return
        with schema_context(schema):
            func()

    transaction.on_commit(run_in_queued_schema, robust=robust)
