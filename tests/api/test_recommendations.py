import pytest
from rest_framework.test import APIClient

from apps.recommendations import services
from tests.factories.accounts import UserFactory
from tests.recommendations.baskets import paid_order, stocked_product


@pytest.fixture(autouse=True)
def _fresh_recommendation_cache():
    from tests.recommendations.conftest import _clear_recommendation_keys

    _clear_recommendation_keys()
    yield
    _clear_recommendation_keys()


@pytest.fixture
def bought_together():
    lamp, shade, bulb = (stocked_product(name=n) for n in ("Lamp", "Shade", "Bulb"))
    paid_order([lamp, shade])
    paid_order([lamp, shade, bulb])
    services.recompute_recommendations()
    return lamp, shade, bulb


@pytest.mark.django_db
def test_product_recommendations_are_public_and_ranked(anonymous_api, bought_together):
    lamp, shade, bulb = bought_together

    response = anonymous_api.get(f"/api/v1/products/{lamp.id}/recommendations")

    body = response.json()
    assert response.status_code == 200, body
    assert body["kind"] == "bought_together"
    assert [item["id"] for item in body["results"]][:2] == [shade.id, bulb.id]
    assert body["results"][0] == {
        "id": shade.id,
        "name": "Shade",
        "slug": shade.slug,
        "brand": "",
        "price_from": "10.00",
        "in_stock": True,
        "url": f"/products/{shade.slug}/",
    }


@pytest.mark.django_db
def test_product_recommendations_validate_kind_and_hide_drafts(anonymous_api, api):
    draft = stocked_product(status="draft")

    bad_kind = anonymous_api.get(f"/api/v1/products/{draft.id}/recommendations?kind=nope")
    hidden = anonymous_api.get(f"/api/v1/products/{draft.id}/recommendations")
    integrator = api.get(f"/api/v1/products/{draft.id}/recommendations?kind=viewed_together")

    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["error"]["fields"]
    assert hidden.status_code == 404
    assert integrator.status_code == 200 and integrator.json()["kind"] == "viewed_together"


@pytest.mark.django_db
def test_for_me_needs_a_customer_session(store, anonymous_api, api, bought_together):
    lamp, shade, bulb = bought_together
    customer = UserFactory()
    paid_order([shade], user=customer)
    services.recompute_recommendations(force=True)
    session = APIClient(HTTP_HOST=store.primary_host)
    session.force_login(customer)

    anonymous = anonymous_api.get("/api/v1/recommendations/for-me")
    with_key = api.get("/api/v1/recommendations/for-me")
    mine = session.get("/api/v1/recommendations/for-me")

    assert (anonymous.status_code, with_key.status_code) == (401, 403)
    body = mine.json()
    assert mine.status_code == 200, body
    assert body["widget"] == "for_you"
    ids = [item["id"] for item in body["results"]]
    assert ids[0] == lamp.id and shade.id not in ids


@pytest.mark.django_db
def test_other_store_sees_none_of_this_stores_neighbours(other_store, bought_together):
    lamp, *_ = bought_together
    client = APIClient(HTTP_HOST=other_store.primary_host)

    response = client.get(f"/api/v1/products/{lamp.id}/recommendations")

    assert response.status_code == 404  # that product id means nothing over there
