"""The orders app's raw SQL: the only module of the app that runs ``cursor.execute``."""

from django.db import connection


def next_sequence_value(sequence: str) -> int:
    """``nextval`` of a sequence in the current schema: the ORM has no sequence API."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        return cursor.fetchone()[0]
