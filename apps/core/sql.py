"""The platform core's raw SQL: the only module of ``apps.core`` that runs ``cursor.execute``.

It holds no app's statements: the readiness probe.
"""

from django.db import connection


def ping() -> None:
    """One round trip that touches no table (the readiness probe): the ORM always reads one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
