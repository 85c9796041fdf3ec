"""Replace ``inventory_reserve`` with version 2 (``sql/inventory_reserve_v2.sql`` says what
changed and why). Version 2 takes one more argument, so version 1 is dropped, not replaced;
going back reinstalls version 1 from its own file."""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
V1 = (SQL_DIR / "inventory_reserve_v1.sql").read_text()
V2 = (SQL_DIR / "inventory_reserve_v2.sql").read_text()

ARGS_V1 = (
    "text, bigint[], integer[], integer, timestamptz, uuid, integer, integer, integer, integer, "
    "boolean"
)
DROP_V1 = f"DROP FUNCTION IF EXISTS inventory_reserve({ARGS_V1})"
DROP_V2 = f"DROP FUNCTION IF EXISTS inventory_reserve({ARGS_V1}, boolean)"


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_inventory_reserve_function")]

    operations = [
        migrations.RunSQL([DROP_V1, V2], reverse_sql=[DROP_V2, V1]),
    ]
