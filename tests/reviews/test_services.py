from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from apps.catalog.models import Product
from apps.checkout import services as checkout_services
from apps.orders import services as order_services
from apps.preferences.selectors import get_store_settings
from apps.reviews import services, throttling
from apps.reviews.exceptions import (
    ReviewAlreadyExists,
    ReviewNotAllowed,
    ReviewRateLimited,
    VoteNotAllowed,
)
from apps.reviews.models import Review, ReviewVote
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory, VariantFactory
from tests.shopping import ready_checkout, stocked_variant


def _review(product, author, rating=5, title="Great", body="Really great.", **kwargs):
    return services.submit_review(
        product_id=product.id, author_id=author.id, rating=rating, title=title, body=body,
        **kwargs,
    )  # fmt: skip


def _rating(product) -> tuple[Decimal, int]:
    product = Product.objects.get(pk=product.pk)
    return product.rating_avg, product.rating_count


@pytest.fixture
def moderated():
    settings = get_store_settings()
    settings.moderate_reviews = True
    settings.save()
    return settings


# --- one review per customer ----------------------------------------------------------------
@pytest.mark.django_db
def test_a_customer_reviews_a_product_once_and_edits_it_after(customer, product):
    review = _review(product, customer, rating=4)

    with pytest.raises(ReviewAlreadyExists):
        _review(product, customer, rating=2)
    edited = services.edit_review(
        review_id=review.id, author_id=customer.id, rating=2, title="Changed my mind", body=""
    )

    assert Review.objects.filter(product=product, author=customer).count() == 1
    assert (edited.rating, edited.title) == (2, "Changed my mind")
    assert _rating(product) == (Decimal("2.00"), 1)


@pytest.mark.django_db
def test_the_database_refuses_a_second_review_and_a_rating_out_of_range(customer, product):
    Review.objects.create(product=product, author=customer, rating=5, title="t")

    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=product, author=customer, rating=4, title="again")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=ProductFactory(), author=customer, rating=6, title="t")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rating", "title", "body", "field"),
    [(0, "ok", "", "rating"), (6, "ok", "", "rating"), (5, "  ", "", "title"),
     (5, "x" * 121, "", "title"), (5, "ok", "x" * 5001, "body")],
)  # fmt: skip
def test_bad_input_is_refused_per_field(customer, product, rating, title, body, field):
    with pytest.raises(ValidationError) as excinfo:
        _review(product, customer, rating=rating, title=title, body=body)

    assert field in excinfo.value.message_dict
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_only_the_author_edits_or_deletes_a_review(customer, product):
    review = _review(product, customer)
    stranger = UserFactory()

    with pytest.raises(ReviewNotAllowed):
        services.edit_review(review_id=review.id, author_id=stranger.id, rating=1, title="x")
    with pytest.raises(ReviewNotAllowed):
        services.delete_review(review_id=review.id, actor_id=stranger.id)

    assert Review.objects.filter(pk=review.pk, rating=5).exists()


# --- verified purchase ----------------------------------------------------------------------
def _bought(customer, *, pay: bool):
    variant = stocked_variant(price="10.00", stock=5)
    checkout = ready_checkout(lines=[(variant, 1)], email=customer.email)
    order = checkout_services.place_order(checkout=checkout, user_id=customer.id).order
    if pay:
        order_services.mark_order_paid(order_id=order.id, amount=order.total)
    return variant.product


@pytest.mark.django_db
def test_a_review_is_verified_when_the_author_has_a_paid_order_line_for_the_product(customer):
    product = _bought(customer, pay=True)

    review = _review(product, customer)

    assert review.verified_purchase is True


@pytest.mark.django_db
def test_an_unpaid_order_or_another_customers_purchase_does_not_verify(customer):
    unpaid_product = _bought(customer, pay=False)
    someone_elses = _bought(UserFactory(), pay=True)

    assert _review(unpaid_product, customer).verified_purchase is False
    assert _review(someone_elses, customer).verified_purchase is False


@pytest.mark.django_db
def test_editing_after_buying_earns_the_verified_flag(customer):
    product = _bought(customer, pay=False)
    review = _review(product, customer)
    from apps.orders.models import Order

    order = Order.objects.get(user=customer)
    order_services.mark_order_paid(order_id=order.id, amount=order.total)

    edited = services.edit_review(review_id=review.id, author_id=customer.id, rating=5, title="x")

    assert review.verified_purchase is False and edited.verified_purchase is True


# --- aggregates -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_rating_aggregate_follows_create_edit_and_delete(product):
    alice, bob = UserFactory(), UserFactory()

    first = _review(product, alice, rating=5)
    after_create = _rating(product)
    _review(product, bob, rating=2)
    after_second = _rating(product)
    services.edit_review(review_id=first.id, author_id=alice.id, rating=4, title="Still good")
    after_edit = _rating(product)
    services.delete_review(review_id=first.id, actor_id=alice.id)
    after_delete = _rating(product)

    assert after_create == (Decimal("5.00"), 1)
    assert after_second == (Decimal("3.50"), 2)
    assert after_edit == (Decimal("3.00"), 2)
    assert after_delete == (Decimal("2.00"), 1)


@pytest.mark.django_db
def test_the_aggregate_is_written_in_the_same_transaction_as_the_review(customer, product):
    with pytest.raises(RuntimeError), transaction.atomic():
        _review(product, customer, rating=1)
        assert _rating(product) == (Decimal("1.00"), 1)  # visible inside
        raise RuntimeError("roll back")

    assert _rating(product) == (Decimal("0.00"), 0)
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_average_rounds_to_two_places(product):
    for rating in (5, 4, 4):
        _review(product, UserFactory(), rating=rating)

    assert _rating(product) == (Decimal("4.33"), 3)


@pytest.mark.django_db
def test_repair_task_fixes_drifted_aggregates_and_leaves_right_ones(customer, product):
    from apps.reviews.tasks import repair_rating_aggregates_task

    _review(product, customer, rating=4)
    untouched = ProductFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product SET rating_avg = 1, rating_count = 9 WHERE id = %s",
            [product.id],
        )

    changed = repair_rating_aggregates_task()

    assert changed == 1
    assert _rating(product) == (Decimal("4.00"), 1)
    assert _rating(untouched) == (Decimal("0.00"), 0)


@pytest.mark.django_db
def test_a_repaired_rating_reaches_the_cached_product_pages_and_cards(customer, product):
    from apps.catalog import product_cache

    _review(product, customer, rating=4)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET rating_count = 9 WHERE id = %s", [product.id])
    before = product_cache.current_version()

    services.repair_rating_aggregates()

    assert product_cache.current_version() != before


# --- moderation -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_with_moderation_a_review_waits_and_counts_only_once_published(
    moderated, customer, product
):
    review = _review(product, customer, rating=3)
    pending = _rating(product)

    services.publish_review(review_id=review.id)
    published = _rating(product)

    assert review.status == Review.Status.PENDING
    assert pending == (Decimal("0.00"), 0)
    assert published == (Decimal("3.00"), 1)


@pytest.mark.django_db
def test_rejecting_a_published_review_removes_it_from_the_aggregate(customer, product):
    review = _review(product, customer, rating=1)
    _review(product, UserFactory(), rating=5)

    services.reject_review(review_id=review.id)

    assert Review.objects.get(pk=review.pk).status == Review.Status.REJECTED
    assert _rating(product) == (Decimal("5.00"), 1)


@pytest.mark.django_db
def test_without_moderation_reviews_publish_at_once_but_an_edited_rejection_waits(
    customer, product
):
    review = _review(product, customer)
    services.reject_review(review_id=review.id)

    edited = services.edit_review(review_id=review.id, author_id=customer.id, rating=5, title="ok")

    assert review.status == Review.Status.PUBLISHED
    assert edited.status == Review.Status.PENDING


@pytest.mark.django_db
def test_with_moderation_an_edit_goes_back_to_the_queue(customer, product):
    review = _review(product, customer, rating=5)
    settings = get_store_settings()
    settings.moderate_reviews = True
    settings.save()

    edited = services.edit_review(review_id=review.id, author_id=customer.id, rating=1, title="x")

    assert edited.status == Review.Status.PENDING
    assert _rating(product) == (Decimal("0.00"), 0)


# --- votes ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_one_vote_per_customer_and_a_second_vote_changes_it(customer, product):
    review = _review(product, customer)
    voter = UserFactory()

    services.vote_review(review_id=review.id, user_id=voter.id, helpful=True)
    services.vote_review(review_id=review.id, user_id=voter.id, helpful=True)
    after_same = Review.objects.get(pk=review.pk)
    services.vote_review(review_id=review.id, user_id=voter.id, helpful=False)
    after_change = Review.objects.get(pk=review.pk)

    assert (after_same.helpful_count, after_same.unhelpful_count) == (1, 0)
    assert (after_change.helpful_count, after_change.unhelpful_count) == (0, 1)
    assert ReviewVote.objects.filter(review=review).count() == 1


@pytest.mark.django_db
def test_nobody_votes_on_their_own_review_or_on_an_unpublished_one(moderated, customer, product):
    review = _review(product, customer)

    with pytest.raises(VoteNotAllowed):
        services.vote_review(review_id=review.id, user_id=UserFactory().id, helpful=True)
    services.publish_review(review_id=review.id)
    with pytest.raises(VoteNotAllowed):
        services.vote_review(review_id=review.id, user_id=customer.id, helpful=True)

    assert not ReviewVote.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_two_votes_by_one_customer(customer, product):
    review = _review(product, customer)
    voter = UserFactory()
    ReviewVote.objects.create(review=review, user=voter, helpful=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewVote.objects.create(review=review, user=voter, helpful=False)


# --- spam control ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_customer_writes_at_most_the_hourly_limit_of_reviews(customer):
    products = [VariantFactory().product for _ in range(throttling.REVIEW_WRITES_PER_HOUR + 1)]

    for product in products[:-1]:
        _review(product, customer)
    with pytest.raises(ReviewRateLimited) as excinfo:
        _review(products[-1], customer)

    assert excinfo.value.http_status == 429
    assert "at most 5 reviews an hour" in excinfo.value.message
    assert Review.objects.filter(author=customer).count() == throttling.REVIEW_WRITES_PER_HOUR
    assert throttling.review_writes_left(customer) == 0
    other = UserFactory()
    assert _review(products[-1], other).pk  # another customer is not limited
