"""Install ``inventory_reserve``, the one-call reservation (see the SQL file for why).

The SQL lives in a versioned file: a later change to the function adds a new file and a new
migration, so this migration always installs what it installed the day it was written.
"""

from pathlib import Path

from django.db import migrations

SQL = (Path(__file__).resolve().parent.parent / "sql" / "inventory_reserve_v1.sql").read_text()

DROP = (
    "DROP FUNCTION IF EXISTS inventory_reserve(text, bigint[], integer[], integer, timestamptz, "
    "uuid, integer, integer, integer, integer, boolean)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_reservations_and_alerts"),
        ("preferences", "0002_storesettings_abandoned_cart_hours"),
    ]

    operations = [migrations.RunSQL(SQL, reverse_sql=DROP)]
