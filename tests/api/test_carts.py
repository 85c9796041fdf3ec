import pytest

from tests.shopping import stocked_variant


@pytest.mark.django_db
def test_storefront_client_builds_a_cart_anonymously(anonymous_api):
    variant = stocked_variant(price="12.00", stock=5)

    created = anonymous_api.post("/api/v1/carts")
    cart_id = created.json()["cart_id"]
    added = anonymous_api.post(
        f"/api/v1/carts/{cart_id}/items", {"variant_id": variant.id, "quantity": 2}, format="json"
    )
    shown = anonymous_api.get(f"/api/v1/carts/{cart_id}")

    assert created.status_code == 201
    assert added.status_code == 201 and added.json()["item_count"] == 2
    body = shown.json()
    assert body["subtotal"] == "24.00"
    assert body["items"][0]["sku"] == variant.sku


@pytest.mark.django_db
def test_cart_line_update_and_delete(anonymous_api):
    variant = stocked_variant(stock=5)
    cart_id = anonymous_api.post("/api/v1/carts").json()["cart_id"]
    anonymous_api.post(
        f"/api/v1/carts/{cart_id}/items", {"variant_id": variant.id, "quantity": 1}, format="json"
    )

    patched = anonymous_api.patch(
        f"/api/v1/carts/{cart_id}/items/{variant.id}", {"quantity": 4}, format="json"
    )
    deleted = anonymous_api.delete(f"/api/v1/carts/{cart_id}/items/{variant.id}")
    missing = anonymous_api.delete(f"/api/v1/carts/{cart_id}/items/{variant.id}")
    missing_patch = anonymous_api.patch(
        f"/api/v1/carts/{cart_id}/items/{variant.id}", {"quantity": 2}, format="json"
    )
    no_quantity = anonymous_api.patch(
        f"/api/v1/carts/{cart_id}/items/{variant.id}", {}, format="json"
    )

    assert patched.json()["item_count"] == 4
    assert deleted.status_code == 200 and deleted.json()["item_count"] == 0
    assert missing.status_code == 404
    assert missing_patch.status_code == 404  # not in the cart, as DELETE says
    assert no_quantity.status_code == 400  # the schema marks quantity required


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"variant_id": 1, "quantity": 0}, 400),
        ({"variant_id": 1, "quantity": -2}, 400),
        ({"variant_id": 1, "quantity": "lots"}, 400),
        ({"variant_id": 1, "quantity": 10**12}, 400),
        ({"quantity": 1}, 400),
        ({"variant_id": 99999999, "quantity": 1}, 404),
    ],
)
def test_bad_cart_items_get_clear_errors(anonymous_api, payload, status):
    cart_id = anonymous_api.post("/api/v1/carts").json()["cart_id"]

    response = anonymous_api.post(f"/api/v1/carts/{cart_id}/items", payload, format="json")

    assert response.status_code == status
    assert "code" in response.json()["error"]


@pytest.mark.django_db
def test_more_than_available_is_409_with_the_available_quantity(anonymous_api):
    variant = stocked_variant(stock=2)
    cart_id = anonymous_api.post("/api/v1/carts").json()["cart_id"]

    response = anonymous_api.post(
        f"/api/v1/carts/{cart_id}/items", {"variant_id": variant.id, "quantity": 3}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["details"]["available"] == 2


@pytest.mark.django_db
def test_unknown_cart_is_404(anonymous_api):
    response = anonymous_api.get("/api/v1/carts/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
