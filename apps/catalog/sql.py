"""The catalog app's raw SQL: the only module of the app that runs ``cursor.execute``.

(``generation.py``, the demo catalog generator, is on its way out of this app with its own SQL.)
"""

from django.db import connection

# The fields of selectors._storefront_products() and its first image a card needs, in one
# statement (listings are the hottest pages: building the ORM query and model instances cost
# more CPU than PostgreSQL spent running it; no description is read).
_PRODUCT_CARDS_SQL = """
SELECT p.id, p.name, p.slug, p.brand, p.rating_avg, p.rating_count, v.min_price, v.variant_count,
       (SELECT i.thumbnail_medium FROM catalog_productimage i WHERE i.product_id = p.id
        ORDER BY i.position, i.id LIMIT 1),
       p.category_id
FROM catalog_product p
JOIN LATERAL (
    SELECT min(cv.price) AS min_price, count(*) AS variant_count
    FROM catalog_variant cv WHERE cv.product_id = p.id AND cv.active
) v ON v.variant_count > 0
WHERE p.id = ANY(%s) AND p.status = 'active'
"""


def list_product_card_rows(ids: list[int]) -> list[tuple]:
    """Rows (id, name, slug, brand, rating_avg, rating_count, min_price, variant_count,
    thumbnail, category_id) of the active, sellable products among ``ids``, in no particular
    order."""
    with connection.cursor() as cursor:
        cursor.execute(_PRODUCT_CARDS_SQL, [ids])
        return cursor.fetchall()


# These categories (one array parameter) and all their descendants: a recursive CTE, which
# the ORM cannot write (the alternative is one query per tree level). Also a subquery of
# automated collections' category rules (``collections.rule_filter``).
SUBTREE_CATEGORY_IDS_SQL = """
WITH RECURSIVE down AS (
    SELECT id FROM catalog_category WHERE id = ANY(%s)
    UNION
    SELECT c.id FROM catalog_category c JOIN down ON c.parent_id = down.id
)
SELECT id FROM down
"""


def list_subtree_category_ids(category_ids: list[int]) -> list[int]:
    """These categories and all their descendants (``SUBTREE_CATEGORY_IDS_SQL``)."""
    with connection.cursor() as cursor:
        cursor.execute(SUBTREE_CATEGORY_IDS_SQL, [category_ids])
        return [row[0] for row in cursor.fetchall()]


# --- bulk import (product_import.py) --------------------------------------------------------


def skus_with_product_slugs(skus: list[str]) -> dict[str, str]:
    """SKU → slug of its product, for the SKUs already in the store.

    One array parameter (``= ANY(%s)``) whatever the file's size: the ORM's ``sku__in`` sends
    one parameter per SKU, tens of thousands on a large import.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.sku, p.slug FROM catalog_variant v "
            "JOIN catalog_product p ON p.id = v.product_id WHERE v.sku = ANY(%s)",
            [skus],
        )
        return dict(cursor.fetchall())


def analyze_catalog_tables() -> None:
    """Fresh planner statistics after a bulk import (no ORM equivalent; autovacuum may take
    minutes), before the search pass reads these tables back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE catalog_product, catalog_productoption, catalog_optionvalue, "
            "catalog_variant, catalog_variant_option_values, catalog_category"
        )


def upsert_pairs(
    table: str, parent: str, column: str, rows: list[tuple[int, str, int]]
) -> dict[tuple[int, str], int]:
    """Insert the (parent, column, position) rows that are missing; return (parent, column) → id
    for every row of those parents.

    ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`` and one read back: three arrays
    as parameters whatever the batch size; ``bulk_create(ignore_conflicts=True)`` does not
    return the ids of rows that already existed. ``table`` and the column names are our own
    constants, never input.
    """
    parents = [row[0] for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({parent}, {column}, position) "
            "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::int[]) "
            f"ON CONFLICT ({parent}, {column}) DO NOTHING",
            [parents, [row[1] for row in rows], [row[2] for row in rows]],
        )
        cursor.execute(
            f"SELECT id, {parent}, {column} FROM {table} WHERE {parent} = ANY(%s)",
            [sorted(set(parents))],
        )
        return {(p, c): i for i, p, c in cursor.fetchall()}


def insert_variant_option_links(links: list[tuple[int, int]]) -> None:
    """Link variants to option values, (variant id, option value id) pairs, in one statement
    with two array parameters (``bulk_create`` on the through model sends two per link)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_variant_option_values (variant_id, optionvalue_id) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
            [[v for v, _ in links], [o for _, o in links]],
        )
