"""Review writes: submit, edit, delete, vote, moderate, and the product's rating aggregate.

Every write that changes which published reviews a product has, or their ratings, recomputes
the product's ``rating_avg`` / ``rating_count`` in the same transaction, under the product's
row lock (``locks.lock_product``), from the published reviews themselves; a periodic task
(``repair_rating_aggregates``) recomputes every product anyway, for drift from raw SQL edits.
"""

import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F

from apps.catalog import product_cache
from apps.catalog import services as catalog_services
from apps.catalog.models import Product
from apps.observability import metrics
from apps.preferences import selectors as preference_selectors
from apps.reviews import locks, selectors, sql, throttling
from apps.reviews.exceptions import (
    ReviewAlreadyExists,
    ReviewNotAllowed,
    ReviewRateLimited,
    VoteNotAllowed,
)
from apps.reviews.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Review, ReviewVote
from apps.search import services as search_services

logger = logging.getLogger(__name__)

RATING_PLACES = Decimal("0.01")


def _clean_text(*, rating: int, title: str, body: str) -> tuple[int, str, str]:
    errors = {}
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        errors["rating"] = "Choose a rating from 1 to 5 stars."
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = "Give your review a title."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Keep the title under {TITLE_MAX_LENGTH} characters."
    if len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"Keep the review under {BODY_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    return rating, title, body


def _count_write(author) -> None:
    if not throttling.count_review_write(author):
        raise ReviewRateLimited(
            f"You can write or edit at most {throttling.REVIEW_WRITES_PER_HOUR} reviews an hour. "
            "Please try again later.",
            extra={"limit": throttling.REVIEW_WRITES_PER_HOUR, "window_seconds": 3600},
        )


def _initial_status(*, previous: str | None = None) -> str:
    """Published at once, unless the store moderates reviews or a moderator rejected this one.

    An edited review goes back to moderation when the store moderates; a rejected review that
    is edited goes back to moderation in any case (editing must not undo a moderator's "no").
    """
    if preference_selectors.get_store_settings().moderate_reviews:
        return Review.Status.PENDING
    if previous == Review.Status.REJECTED:
        return Review.Status.PENDING
    return Review.Status.PUBLISHED


def refresh_product_rating(product_id: int) -> tuple[Decimal, int]:
    """Recompute one product's aggregate from its published reviews.

    Call inside a transaction that holds ``locks.lock_product(product_id)``.
    """
    stats = Review.objects.filter(product_id=product_id, status=Review.Status.PUBLISHED).aggregate(
        avg=Avg("rating"), count=Count("id")
    )
    average = Decimal(stats["avg"] or 0).quantize(RATING_PLACES)
    Product.objects.filter(pk=product_id).update(rating_avg=average, rating_count=stats["count"])
    catalog_services.product_changed(product_id=product_id)  # rating sort in search
    return average, stats["count"]


@transaction.atomic
def submit_review(
    *,
    product_id: int,
    author_id: int,
    rating: int,
    title: str,
    body: str = "",
    throttle: bool = True,
) -> Review:
    """Write a customer's review of a product (one per customer and product).

    Raises ValidationError for bad input, ReviewAlreadyExists when the customer already reviewed
    the product (they edit it instead), ReviewRateLimited past the hourly limit (``throttle``
    False is for trusted imports and seeds only).
    """
    rating, title, body = _clean_text(rating=rating, title=title, body=body)
    author = get_user_model().objects.get(pk=author_id)
    if not author.is_active:
        raise ReviewNotAllowed("This account cannot write reviews.")
    locks.lock_product(product_id)
    if Review.objects.filter(product_id=product_id, author_id=author_id).exists():
        raise ReviewAlreadyExists(
            "You have already reviewed this product; edit your review instead.",
            extra={"product_id": product_id},
        )
    if throttle:
        _count_write(author)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product_id=product_id,
                author_id=author_id,
                rating=rating,
                title=title,
                body=body,
                verified_purchase=selectors.has_bought_product(
                    user_id=author_id, product_id=product_id
                ),
                status=_initial_status(),
            )
    except IntegrityError as exc:  # unreachable under the product lock; kept as the last word
        raise ReviewAlreadyExists("You have already reviewed this product.") from exc
    if review.status == Review.Status.PUBLISHED:
        refresh_product_rating(product_id)
    logger.info("review %s on product %s by user %s (%s)", review.id, product_id, author_id,
                review.status)  # fmt: skip
    metrics.count_on_commit(metrics.reviews_submitted)
    return review


@transaction.atomic
def edit_review(
    *, review_id: int, author_id: int, rating: int, title: str, body: str = ""
) -> Review:
    """The author changes their review; it may go back to moderation (see ``_initial_status``)."""
    rating, title, body = _clean_text(rating=rating, title=title, body=body)
    product_id = Review.objects.values_list("product_id", flat=True).get(pk=review_id)
    locks.lock_product(product_id)
    review = locks.lock_review(review_id)
    if review.author_id != author_id:
        raise ReviewNotAllowed("Only its author can edit a review.")
    _count_write(review.author)
    was_published = review.status == Review.Status.PUBLISHED
    review.rating, review.title, review.body = rating, title, body
    review.status = _initial_status(previous=review.status)
    # Re-checked on every edit: a customer who bought since writing earns the badge.
    review.verified_purchase = selectors.has_bought_product(
        user_id=author_id, product_id=product_id
    )
    review.save()
    if was_published or review.status == Review.Status.PUBLISHED:
        refresh_product_rating(product_id)
    return review


@transaction.atomic
def delete_review(*, review_id: int, actor_id: int, is_staff: bool = False) -> None:
    """Delete a review: its author may, and so may store staff."""
    product_id = Review.objects.values_list("product_id", flat=True).get(pk=review_id)
    locks.lock_product(product_id)
    review = locks.lock_review(review_id)
    if review.author_id != actor_id and not is_staff:
        raise ReviewNotAllowed("Only its author can delete a review.")
    was_published = review.status == Review.Status.PUBLISHED
    review.delete()
    if was_published:
        refresh_product_rating(product_id)


@transaction.atomic
def vote_review(*, review_id: int, user_id: int, helpful: bool) -> Review:
    """Record a helpful / not helpful vote: one per customer (a second vote changes it).

    Not on your own review, and only on published reviews. The review row is locked, so the
    counters and the vote rows always agree.
    """
    review = locks.lock_review(review_id)
    if review.status != Review.Status.PUBLISHED:
        raise VoteNotAllowed("Only published reviews can be voted on.")
    if review.author_id == user_id:
        raise VoteNotAllowed("You cannot vote on your own review.")
    vote = ReviewVote.objects.filter(review_id=review_id, user_id=user_id).first()
    if vote is not None and vote.helpful == helpful:
        return review  # the same vote again changes nothing
    if vote is None:
        ReviewVote.objects.create(review_id=review_id, user_id=user_id, helpful=helpful)
        changes = {"helpful_count" if helpful else "unhelpful_count": 1}
    else:
        vote.helpful = helpful
        vote.save(update_fields=["helpful", "updated_at"])
        changes = {"helpful_count": 1, "unhelpful_count": -1}
        if not helpful:
            changes = {"helpful_count": -1, "unhelpful_count": 1}
    Review.objects.filter(pk=review_id).update(
        **{field: F(field) + delta for field, delta in changes.items()}
    )
    review.refresh_from_db(fields=["helpful_count", "unhelpful_count"])
    return review


def _moderate(review_id: int, status: str) -> Review:
    product_id = Review.objects.values_list("product_id", flat=True).get(pk=review_id)
    locks.lock_product(product_id)
    review = locks.lock_review(review_id)
    if review.status == status:
        return review
    was_published = review.status == Review.Status.PUBLISHED
    review.status = status
    review.save(update_fields=["status", "updated_at"])
    if was_published or status == Review.Status.PUBLISHED:
        refresh_product_rating(product_id)
    return review


@transaction.atomic
def publish_review(*, review_id: int, actor_id: int | None = None) -> Review:
    review = _moderate(review_id, Review.Status.PUBLISHED)
    logger.info("review %s published by %s", review_id, actor_id)
    return review


@transaction.atomic
def reject_review(*, review_id: int, actor_id: int | None = None) -> Review:
    review = _moderate(review_id, Review.Status.REJECTED)
    logger.info("review %s rejected by %s", review_id, actor_id)
    return review


@transaction.atomic
def repair_rating_aggregates() -> int:
    """Recompute every product's rating aggregate in one statement; return how many changed.

    Tidiness, not correctness: the services above keep aggregates right in their own
    transactions. This catches drift from anything that bypassed them (raw SQL, a restore).
    """
    # Every product row locked first (by id, the order ``lock_product`` callers agree with),
    # so no review write can commit between reading the reviews and writing the aggregate.
    locks.lock_all_products()
    changed_ids = sql.recompute_rating_aggregates()
    changed = len(changed_ids)
    if changed_ids:
        product_cache.bump_version()  # a raw UPDATE: no model signal moves the catalog version
        search_services.mark_products_changed(product_ids=changed_ids)
    if changed:
        logger.warning("repaired rating aggregates of %d products", changed)
    return changed
