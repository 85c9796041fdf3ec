import pytest
from rest_framework.test import APIClient

from apps.reviews import services as review_services
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory


def _customer_client(store, user) -> APIClient:
    client = APIClient(HTTP_HOST=store.primary_host)
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_reviews_are_listed_recent_or_helpful(anonymous_api):
    product = ProductFactory()
    first = review_services.submit_review(
        product_id=product.id, author_id=UserFactory().id, rating=5, title="Great", throttle=False
    )
    second = review_services.submit_review(
        product_id=product.id, author_id=UserFactory().id, rating=3, title="Fine", throttle=False
    )
    review_services.vote_review(review_id=first.id, user_id=UserFactory().id, helpful=True)

    recent = anonymous_api.get(f"/api/v1/products/{product.id}/reviews")
    helpful = anonymous_api.get(f"/api/v1/products/{product.id}/reviews", {"sort": "helpful"})
    bad_sort = anonymous_api.get(f"/api/v1/products/{product.id}/reviews", {"sort": "random"})

    assert [r["id"] for r in recent.json()["results"]] == [second.id, first.id]
    assert [r["id"] for r in helpful.json()["results"]] == [first.id, second.id]
    assert bad_sort.status_code == 400


@pytest.mark.django_db
def test_signed_in_customer_writes_one_review(store):
    product = ProductFactory()
    client = _customer_client(store, UserFactory())
    url = f"/api/v1/products/{product.id}/reviews"

    created = client.post(url, {"rating": 4, "title": "Solid <b>lamp</b>"}, format="json")
    again = client.post(url, {"rating": 2, "title": "Changed my mind"}, format="json")
    invalid = client.post(url, {"rating": 9, "title": ""}, format="json")

    assert created.status_code == 201 and created.json()["title"] == "Solid <b>lamp</b>"
    assert again.status_code == 409
    assert invalid.status_code == 400 and set(invalid.json()["error"]["fields"]) >= {"rating"}


@pytest.mark.django_db
def test_api_keys_and_anonymous_cannot_write_reviews(api, anonymous_api):
    product = ProductFactory()
    body = {"rating": 5, "title": "Bot"}

    with_key = api.post(f"/api/v1/products/{product.id}/reviews", body, format="json")
    anonymous = anonymous_api.post(f"/api/v1/products/{product.id}/reviews", body, format="json")

    assert with_key.status_code == 403
    assert anonymous.status_code == 401


@pytest.mark.django_db
def test_reviews_of_a_draft_product_are_404(anonymous_api):
    product = ProductFactory(status="draft")

    assert anonymous_api.get(f"/api/v1/products/{product.id}/reviews").status_code == 404


@pytest.mark.django_db
def test_review_list_query_count_does_not_grow_with_reviews(
    anonymous_api, django_assert_max_num_queries
):
    product = ProductFactory()
    for i in range(15):
        review_services.submit_review(
            product_id=product.id, author_id=UserFactory().id, rating=1 + i % 5,
            title=f"Review {i}", throttle=False,
        )  # fmt: skip

    with django_assert_max_num_queries(6):
        response = anonymous_api.get(f"/api/v1/products/{product.id}/reviews")

    assert len(response.json()["results"]) == 15
