"""Statements PostgreSQL plans once per connection, for the few hot ones whose planning cost
the database more than running them (the inventory's reserve and commit calls, the cart's
reads and writes on every add and cart page).

Django's psycopg cursors bind parameters on the client and never prepare; ``prepared_cursor``
hands out a plain psycopg cursor on the same connection for statements executed with
``prepare=True``. Such statements are not in Django's query log (``CaptureQueriesContext``):
tests count them at the driver (a plain ``psycopg.Cursor``'s ``execute``).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections

# See prepared_cursor.
_ONLY_WHEN_ASKED = 2**31
_CURSOR = "_mercato_prepared_cursor"


@contextmanager
def prepared_cursor(db=None) -> Iterator[psycopg.Cursor]:
    """A cursor whose statements PostgreSQL plans once per connection (server-side binding).

    Reservations and adds to the cart run thousands of times a second; planning them every time
    cost the database more than running them. Django's cursor is opened first, so that
    django-tenants has set the store's search_path; PostgreSQL re-plans a prepared statement
    when the search_path changes, so a statement prepared in one store reads that store's
    tables (and calls its functions) only.
    Errors come out as Django's database exceptions, as from any Django cursor.

    The cursor is kept on the psycopg connection and reused: one thread at a time uses a
    connection (a pooled one too), and a reused cursor keeps the adapters it looked up.
    """
    db = db or connections[DEFAULT_DB_ALIAS]
    with db.cursor() as django_cursor, db.wrap_database_errors:
        raw_connection = django_cursor.cursor.connection
        cursor = getattr(raw_connection, _CURSOR, None)
        if cursor is None:
            if raw_connection.prepare_threshold is None:
                # Django turns psycopg's statement preparation off; turn it on for the
                # statements asked to be prepared (prepare=True) only. Django's client-side
                # cursors never are.
                raw_connection.prepare_threshold = _ONLY_WHEN_ASKED
            cursor = psycopg.Cursor(raw_connection)
            setattr(raw_connection, _CURSOR, cursor)
        yield cursor
