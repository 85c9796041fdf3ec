"""Concurrent review writes on one product: the aggregate counts every committed review."""

from decimal import Decimal

from apps.catalog.models import Product
from apps.reviews import services
from apps.reviews.exceptions import ReviewAlreadyExists
from apps.reviews.models import Review, ReviewVote
from tests.concurrency import run_concurrently
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory


def test_simultaneous_reviews_of_one_product_all_count(committed_store):
    product = ProductFactory()
    authors = [UserFactory() for _ in range(6)]

    results = run_concurrently(
        lambda author_id, rating: (
            services.submit_review(
                product_id=product.id, author_id=author_id, rating=rating, title="t"
            ).id
        ),
        [(author.id, 1 + i % 5) for i, author in enumerate(authors)],
        store=committed_store,
    )

    product = Product.objects.get(pk=product.pk)
    assert all(isinstance(r, int) for r in results), results
    assert product.rating_count == 6
    assert product.rating_avg == Decimal("2.67")  # (1+2+3+4+5+1) / 6


def test_a_double_submitted_review_is_stored_once(committed_store):
    product, author = ProductFactory(), UserFactory()

    results = run_concurrently(
        lambda: services.submit_review(product_id=product.id, author_id=author.id, rating=5,
                                       title="t").id,
        [()] * 3,
        store=committed_store,
    )  # fmt: skip

    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, ReviewAlreadyExists) for r in results) == 2
    assert Product.objects.get(pk=product.pk).rating_count == 1


def test_simultaneous_votes_keep_counters_equal_to_vote_rows(committed_store):
    product = ProductFactory()
    review = services.submit_review(
        product_id=product.id, author_id=UserFactory().id, rating=4, title="t"
    )
    voters = [UserFactory() for _ in range(6)]

    run_concurrently(
        lambda user_id, helpful: services.vote_review(
            review_id=review.id, user_id=user_id, helpful=helpful
        ),
        [(voter.id, i % 3 != 0) for i, voter in enumerate(voters)],
        store=committed_store,
    )

    review = Review.objects.get(pk=review.pk)
    assert (review.helpful_count, review.unhelpful_count) == (4, 2)
    assert ReviewVote.objects.filter(review=review).count() == 6
