"""Row locks for review writes.

Lock order: the product row first, then the review row. Every write that can move a product's
rating aggregate takes the product lock, so concurrent reviews of one product recompute the
aggregate one after another and the last writer always sees every committed review.
"""

from apps.catalog.models import Product
from apps.reviews.models import Review


def lock_product(product_id: int) -> Product:
    """Lock the product row (its rating_avg / rating_count). Call inside a transaction."""
    return Product.objects.select_for_update(of=("self",)).only("id").get(pk=product_id)


def lock_review(review_id: int) -> Review:
    """Lock a review row. Call inside a transaction, after ``lock_product`` if you need both."""
    return Review.objects.select_for_update(of=("self",)).get(pk=review_id)


def lock_all_products() -> None:
    """Lock every product row, by id. Call inside a transaction (the nightly repair does)."""
    list(Product.objects.select_for_update(of=("self",)).order_by("id").values_list("id"))
