import pytest

from apps.reviews import selectors, services
from apps.reviews.models import Review
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory

XSS = "<script>alert('xss')</script>"


def _review(product, author, **fields):
    data = {"rating": 4, "title": "Nice", "body": "Good.", **fields}
    return services.submit_review(product_id=product.id, author_id=author.id, **data)


@pytest.mark.django_db
def test_review_text_is_escaped_on_the_page(store_client, product):
    author = UserFactory(first_name="<b>Eve</b>")
    _review(product, author, title=f"Title {XSS}", body=f"Body {XSS}\nsecond line")

    html = store_client.get(f"/reviews/product/{product.slug}/").content.decode()

    assert "<script>alert" not in html
    assert "Title &lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html
    assert "Body &lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;<br>second line" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html


@pytest.mark.django_db
def test_page_shows_average_histogram_and_verified_badge(store_client, product):
    _review(product, UserFactory(), rating=5)
    _review(product, UserFactory(), rating=3)
    Review.objects.update(verified_purchase=True)

    response = store_client.get(f"/reviews/product/{product.slug}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "4.0" in html and "2 reviews" in html
    assert "Verified purchase" in html
    assert "Sign in</a> to write a review" in html


@pytest.mark.django_db
def test_signed_in_customer_writes_then_edits_a_review_through_the_form(store_client, product):
    customer = UserFactory()
    store_client.force_login(customer)
    url = f"/reviews/product/{product.slug}/write/"

    created = store_client.post(url, {"rating": "5", "title": "Love it", "body": "Yes"})
    edited = store_client.post(url, {"rating": "2", "title": "Meh", "body": "No"})

    assert created.status_code == edited.status_code == 302
    assert created["Location"].endswith(f"/reviews/product/{product.slug}/#reviews")
    review = Review.objects.get(author=customer)
    assert (review.rating, review.title) == (2, "Meh")
    page = store_client.get(f"/reviews/product/{product.slug}/").content.decode()
    assert "Your review" in page and "Update review" in page


@pytest.mark.django_db
def test_invalid_form_re_renders_with_errors(store_client, product):
    store_client.force_login(UserFactory())

    response = store_client.post(f"/reviews/product/{product.slug}/write/", {"rating": "9"})

    assert response.status_code == 400
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(store_client, product):
    review = _review(product, UserFactory())

    write = store_client.post(f"/reviews/product/{product.slug}/write/", {"rating": "5"})
    vote = store_client.post(f"/reviews/{review.id}/vote/", {"helpful": "1"})

    assert write.status_code == vote.status_code == 302
    assert write["Location"].startswith("/account/login/")
    assert not Review.objects.filter(author__isnull=False).exclude(pk=review.pk).exists()


@pytest.mark.django_db
def test_voting_through_the_page_and_refusal_on_own_review(store_client, product):
    author, voter = UserFactory(), UserFactory()
    review = _review(product, author)
    store_client.force_login(voter)

    store_client.post(f"/reviews/{review.id}/vote/", {"helpful": "1"})
    store_client.force_login(author)
    own = store_client.post(f"/reviews/{review.id}/vote/", {"helpful": "1"}, follow=True)

    review.refresh_from_db()
    assert review.helpful_count == 1
    assert "cannot vote on your own review" in own.content.decode()


@pytest.mark.django_db
def test_author_deletes_their_review(store_client, product):
    author = UserFactory()
    review = _review(product, author)
    store_client.force_login(author)

    store_client.post(f"/reviews/{review.id}/delete/")

    assert not Review.objects.exists()


@pytest.mark.django_db
def test_pending_reviews_stay_off_the_page(store_client, product):
    review = _review(product, UserFactory(), title="Waiting room")
    services.reject_review(review_id=review.id)

    html = store_client.get(f"/reviews/product/{product.slug}/").content.decode()

    assert "Waiting room" not in html
    assert "No reviews yet" in html


@pytest.mark.django_db
def test_summary_sorts_by_helpful_and_paginates_in_bounded_queries(
    product, django_assert_max_num_queries
):
    reviews = [_review(product, UserFactory(), rating=1 + i % 5) for i in range(25)]
    Review.objects.filter(pk=reviews[7].pk).update(helpful_count=10)
    viewer = UserFactory()

    with django_assert_max_num_queries(4):
        summary = selectors.get_product_review_summary(product.id, "helpful", 1, user=viewer)
        first = summary.reviews[0]
        names = [r.author_display_name for r in summary.reviews]
    with django_assert_max_num_queries(4):
        last_page = selectors.get_product_review_summary(product.id, "recent", 3, user=viewer)

    assert first.pk == reviews[7].pk
    assert len(names) == selectors.PAGE_SIZE
    assert summary.count == 25 and [b.count for b in summary.histogram] == [5, 5, 5, 5, 5]
    assert len(last_page.reviews) == 5
    assert last_page.reviews[-1].pk == reviews[0].pk


@pytest.mark.django_db
def test_reviews_of_inactive_products_are_not_served(store_client):
    draft = ProductFactory(status="draft")

    assert store_client.get(f"/reviews/product/{draft.slug}/").status_code == 404


@pytest.mark.django_db
def test_a_product_without_reviews_costs_no_review_query(product, django_assert_num_queries):
    with django_assert_num_queries(0):
        summary = selectors.get_product_review_summary(product.id, published_count=0)
        assert summary.reviews == [] and summary.count == 0
    with django_assert_num_queries(1):  # count unknown: the histogram says there is none
        summary = selectors.get_product_review_summary(product.id)
        assert summary.reviews == [] and summary.page.number == 1
