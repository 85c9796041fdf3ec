from decimal import Decimal

import pytest

from apps.orders.models import Order
from tests.api.conftest import _client
from tests.concurrency import run_concurrently
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant


def _body(variant, method, quantity=1) -> dict:
    return {
        "items": [{"variant_id": variant.id, "quantity": quantity}],
        "email": "buyer@example.test",
        "shipping_address": ADDRESS,
        "shipping_method": method.id,
    }


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response(anonymous_api):
    body = _body(stocked_variant(stock=5), ShippingMethodFactory())

    first = anonymous_api.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = anonymous_api.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_422(anonymous_api):
    variant, method = stocked_variant(stock=5), ShippingMethodFactory()
    anonymous_api.post(
        "/api/v1/orders", _body(variant, method), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    response = anonymous_api.post(
        "/api/v1/orders", _body(variant, method, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_a_failed_request_releases_its_key(anonymous_api):
    variant, method = stocked_variant(stock=1), ShippingMethodFactory()

    failed = anonymous_api.post(
        "/api/v1/orders", _body(variant, method, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    retried = anonymous_api.post(
        "/api/v1/orders", _body(variant, method, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )

    assert failed.status_code == retried.status_code == 409
    assert "Idempotent-Replayed" not in retried


def test_ten_concurrent_duplicates_make_one_order(committed_store):
    variant = stocked_variant(price="10.00", stock=50)
    body = _body(variant, ShippingMethodFactory(price=Decimal("1.00")))

    def post(_):
        response = _client(committed_store).post(
            "/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key",
            REMOTE_ADDR="10.0.0.1",
        )  # fmt: skip
        return response.status_code

    codes = run_concurrently(post, [(i,) for i in range(10)], store=committed_store)

    assert Order.objects.count() == 1
    assert set(codes) <= {201, 409}, codes
    assert codes.count(201) >= 1
