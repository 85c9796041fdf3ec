"""Install ``inventory_commit``, the one-call commit of a paid checkout's holds.

The SQL lives in a versioned file (see ``0003``): a later change adds a new file and migration.
"""

from pathlib import Path

from django.db import migrations

SQL = (Path(__file__).resolve().parent.parent / "sql" / "inventory_commit_v1.sql").read_text()

DROP = "DROP FUNCTION IF EXISTS inventory_commit(text, integer, integer, text, bigint, timestamptz)"


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_inventory_reserve_function")]

    operations = [migrations.RunSQL(SQL, reverse_sql=DROP)]
