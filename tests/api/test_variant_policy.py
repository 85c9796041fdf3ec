"""A variant's out-of-stock policy through the API: read, write, malformed input as a 400, a
pre-order without its date (a rule between fields no schema states) as a 422."""

import pytest

from apps.catalog.models import Product
from tests.shopping import stocked_variant


@pytest.mark.django_db
def test_variant_policy_is_read_and_written(api):
    variant = stocked_variant(stock=3)
    url = f"/api/v1/variants/{variant.id}/inventory-policy"

    body = api.get(url).json()
    assert (body["inventory_policy"], body["available"]) == ("deny", 3)

    response = api.patch(
        url,
        {"inventory_policy": "preorder", "preorder_until": "2031-01-15", "preorder_cap": 20},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["inventory_policy"], body["preorder_until"], body["preorder_cap"]) == (
        "preorder",
        "2031-01-15",
        20,
    )


@pytest.mark.django_db
def test_a_preorder_without_its_date_is_a_422(api):
    variant = stocked_variant(stock=0)
    response = api.patch(
        f"/api/v1/variants/{variant.id}/inventory-policy",
        {"inventory_policy": "preorder"},
        format="json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "preorder_without_date"
    assert "preorder_until" in error["details"]["fields"]
    variant.refresh_from_db()
    assert variant.inventory_policy == "deny"


@pytest.mark.django_db
def test_an_unknown_variant_is_a_404_and_a_bad_policy_a_400(api):
    assert api.get("/api/v1/variants/999999/inventory-policy").status_code == 404
    variant = stocked_variant(stock=0)
    response = api.patch(
        f"/api/v1/variants/{variant.id}/inventory-policy",
        {"inventory_policy": "sometimes"},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_product_created_with_a_dateless_preorder_is_a_422_and_not_created(api):
    variant = {"sku": "PRE-1", "price": "10.00", "inventory_policy": "preorder"}
    response = api.post(
        "/api/v1/products",
        {"name": "Pre-order tee", "variants": [{**variant, "preorder_until": None}]},
        format="json",
    )
    assert response.status_code == 422, response.json()
    assert response.json()["error"]["code"] == "preorder_without_date"
    assert not Product.objects.filter(name="Pre-order tee").exists()
