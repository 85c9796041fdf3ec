"""The platform core's raw SQL: the only module of ``apps.core`` that runs ``cursor.execute``.

It holds no app's statements: a probe, and the one-row fetch ``raw_rows`` runs for callers.
"""

from collections.abc import Sequence

from django.db import connection


def ping() -> None:
    """One round trip that touches no table (the readiness probe): the ORM always reads one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def fetch_one(statement: str, params: Sequence) -> tuple | None:
    """The first row of ``statement`` (a caller's own SELECT), or None."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()
