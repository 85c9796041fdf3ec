"""Counting the statements sent to PostgreSQL at the driver: Django's (as
``CaptureQueriesContext`` sees them) and those of plain psycopg cursors, the prepared hot
statements (``apps.core.prepared``) that Django's query log never sees."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """The statements sent inside the block, Django's first, then the prepared ones (the list
    is filled when the block ends)."""
    raw: list[str] = []
    execute = psycopg.Cursor.execute

    def counting_execute(cursor, query, *args, **kwargs):
        if type(cursor) is psycopg.Cursor:  # Django's own cursors are subclasses
            raw.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    sent: list[str] = []
    psycopg.Cursor.execute = counting_execute  # type: ignore[method-assign]
    try:
        with CaptureQueriesContext(connection) as queries:
            yield sent
    finally:
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    sent.extend([q["sql"] for q in queries.captured_queries] + raw)
