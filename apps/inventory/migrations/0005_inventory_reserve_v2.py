"""Install version 2 of ``inventory_reserve`` (``sql/inventory_reserve_v2.sql`` says what
changed and why). Version 2 takes one more argument, so it is a new function beside version 1,
which stays: processes still running the previous code keep calling version 1 until they are
replaced (a later migration can drop it). Going back drops version 2."""

from pathlib import Path

from django.db import migrations

V2 = (Path(__file__).resolve().parent.parent / "sql" / "inventory_reserve_v2.sql").read_text()

DROP_V2 = (
    "DROP FUNCTION IF EXISTS inventory_reserve(text, bigint[], integer[], integer, timestamptz, "
    "uuid, integer, integer, integer, integer, boolean, boolean)"
)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_inventory_commit_function")]

    operations = [migrations.RunSQL(V2, reverse_sql=DROP_V2)]
