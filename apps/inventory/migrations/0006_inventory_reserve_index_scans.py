"""``inventory_reserve`` (version 2) reads stock rows by plain index scans only, never bitmap scans.

A hot SKU's stock row is updated thousands of times a minute. Most updates are HOT (the new
version stays on the row's page and adds no index entry), but whenever the page is full of
versions that a running transaction may still see, the new version goes to another page and
every index gets an entry for it. Until VACUUM runs, a bitmap scan of
``inventory_stocklevel`` by ``variant_id`` visits every one of those entries and their pages;
an index scan does too, once, but marks the entries of versions no one can see any more as
dead (the index "micro-vacuum"), so the next scan skips them. A bitmap scan never marks them.

Measured on a store whose hot row had taken 112,000 reservations with autovacuum off: the
function's candidate read planned as a bitmap scan touched 223 buffers (584 index entries,
222 heap pages) for 2 live rows; as an index scan, 2 buffers. pgbench, 16 clients calling the
function on that store: 1,391 tps before, 2,171 after (the next pair of runs, after index
scans had marked the entries, 1,106 and 1,185: the marking is what removes the cost).

The function already turns off sequential scans, hash and merge joins (see
``sql/inventory_reserve_v2.sql``); this adds bitmap scans to that list.
"""

from django.db import migrations

SIGNATURE = (
    "inventory_reserve(text, bigint[], integer[], integer, timestamptz, uuid, integer, integer, "
    "integer, integer, boolean, boolean)"
)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_inventory_reserve_v2")]

    operations = [
        migrations.RunSQL(
            f"ALTER FUNCTION {SIGNATURE} SET enable_bitmapscan = off",
            reverse_sql=f"ALTER FUNCTION {SIGNATURE} RESET enable_bitmapscan",
        )
    ]
