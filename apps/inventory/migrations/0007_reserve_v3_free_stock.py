"""``inventory_reserve`` version 3, ``inventory_free_stock``, and version 1 dropped.

- Version 1 of ``inventory_reserve`` (11 arguments, migration 0003) is dropped: since version 2
  (migration 0005, one more argument) no code calls it.
- Version 3 (``sql/inventory_reserve_v3.sql``) replaces version 2 in place (same arguments):
  the fast path's writes are written once, in the new helper ``inventory_reserve_take``. Its
  SET clauses include ``enable_bitmapscan = off``, which migration 0006 added to version 2 (a
  ``CREATE OR REPLACE`` replaces a function's settings with its own).
- ``inventory_free_stock`` (``sql/inventory_free_stock_v1.sql``) is the one definition of the
  units a shopper can buy, which every availability read now uses.

Going back reinstalls version 2 (with 0006's setting) and version 1, and drops the new
functions.
"""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

V1_SIGNATURE = (
    "inventory_reserve(text, bigint[], integer[], integer, timestamptz, uuid, integer, integer, "
    "integer, integer, boolean)"
)
V2_SIGNATURE = (
    "inventory_reserve(text, bigint[], integer[], integer, timestamptz, uuid, integer, integer, "
    "integer, integer, boolean, boolean)"
)
TAKE_SIGNATURE = (
    "inventory_reserve_take(text, uuid, bigint[], bigint[], bigint[], integer[], timestamptz, "
    "timestamptz)"
)


def _read(name: str) -> str:
    return (SQL_DIR / name).read_text()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_inventory_reserve_index_scans")]

    operations = [
        migrations.RunSQL(
            f"DROP FUNCTION IF EXISTS {V1_SIGNATURE}",
            reverse_sql=_read("inventory_reserve_v1.sql"),
        ),
        migrations.RunSQL(
            _read("inventory_reserve_v3.sql"),
            reverse_sql=[
                _read("inventory_reserve_v2.sql"),
                f"ALTER FUNCTION {V2_SIGNATURE} SET enable_bitmapscan = off",
                f"DROP FUNCTION IF EXISTS {TAKE_SIGNATURE}",
            ],
        ),
        migrations.RunSQL(
            _read("inventory_free_stock_v1.sql"),
            reverse_sql="DROP FUNCTION IF EXISTS inventory_free_stock(timestamptz)",
        ),
    ]
