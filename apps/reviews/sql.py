"""The reviews app's raw SQL: the only module of the app that runs ``cursor.execute``."""

from django.db import connection

from apps.catalog.models import Product
from apps.reviews.models import Review

# Every product's published-review average and count, written only where they differ, in one
# UPDATE … FROM (aggregate) … RETURNING: the ORM would need a Subquery annotation per column
# and could not return the ids it changed.
_RECOMPUTE_RATINGS_SQL = f"""
UPDATE {Product._meta.db_table} AS p
   SET rating_avg = s.avg, rating_count = s.count
  FROM (
        SELECT p2.id,
               COALESCE(ROUND(AVG(r.rating)::numeric, 2), 0) AS avg,
               COUNT(r.id) AS count
          FROM {Product._meta.db_table} p2
          LEFT JOIN {Review._meta.db_table} r
            ON r.product_id = p2.id AND r.status = %s
         GROUP BY p2.id
       ) AS s
 WHERE p.id = s.id
   AND (p.rating_avg <> s.avg OR p.rating_count <> s.count)
RETURNING p.id
"""


def recompute_rating_aggregates() -> list[int]:
    """Recompute every product's rating aggregate; return the ids of those that changed.

    Call with every product row locked (``locks.lock_all_products``)."""
    with connection.cursor() as cursor:
        cursor.execute(_RECOMPUTE_RATINGS_SQL, [Review.Status.PUBLISHED])
        return [row[0] for row in cursor.fetchall()]
