"""A replay is the first response, byte for byte: every idempotent operation, sent twice."""

import pytest
from rest_framework.test import APIClient

from apps.api import urls as api_urls
from apps.orders.models import Order
from tests.factories.accounts import UserFactory
from tests.factories.checkout import ShippingMethodFactory
from tests.factories.inventory import WarehouseFactory
from tests.shopping import ADDRESS, pay_with_test_card


def idempotent_operations() -> set[tuple[str, str]]:
    """(method, route) of every handler that takes an ``Idempotency-Key``."""
    operations = set()
    for pattern in api_urls.urlpatterns:
        view_class = getattr(pattern.callback, "view_class", None)
        for method in ("post", "put", "patch", "delete"):
            handler = getattr(view_class, method, None)
            if getattr(handler, "accepts_idempotency_key", False):
                operations.add((method.upper(), str(pattern.pattern)))
    return operations


class Replays:
    """Sends each request twice with one key and checks the second answer's bytes."""

    def __init__(self):
        self.covered: set[tuple[str, str]] = set()

    def send(self, client: APIClient, method: str, route: str, path: str, body=None):
        key = f"replay-{len(self.covered)}"
        send = getattr(client, method.lower())
        first = send(f"/api/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        again = send(f"/api/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY=key)

        assert first.status_code < 300, (route, first.content)
        assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
        assert (again.status_code, again.get("Content-Type"), again.content) == (
            first.status_code,
            first.get("Content-Type"),
            first.content,
        ), route
        self.covered.add((method, route))
        return first.json() if first.content else None


@pytest.mark.django_db
def test_every_idempotent_operation_replays_the_first_response_byte_for_byte(
    api, anonymous_api, store
):
    ShippingMethodFactory()
    WarehouseFactory()
    customer = APIClient(HTTP_HOST=store.primary_host)
    customer.force_authenticate(UserFactory())
    replays = Replays()
    new_product = {
        "name": "Notebook",
        "status": "active",
        "brand": "Paper & Co",
        "attributes": {"zeta": 1, "alpha": 2, "pages": 96},
        "variants": [
            {"sku": "NB-1", "price": "12.00", "stock": 50, "options": {"b": "x", "a": "y"}}
        ],
    }

    product = replays.send(api, "POST", "v1/products", "v1/products", new_product)
    pid, variant_id = product["id"], product["variants"][0]["id"]
    replays.send(api, "PATCH", "v1/products/<int:product_id>", f"v1/products/{pid}",
                 {"brand": "Acme"})  # fmt: skip
    replays.send(api, "POST", "v1/products/<int:product_id>/inventory",
                 f"v1/products/{pid}/inventory",
                 {"variant_id": variant_id, "quantity": 5, "reason": "restock"})  # fmt: skip
    cart = replays.send(anonymous_api, "POST", "v1/carts", "v1/carts")
    items = f"v1/carts/{cart['cart_id']}/items"
    replays.send(anonymous_api, "POST", "v1/carts/<uuid:cart_id>/items", items,
                 {"variant_id": variant_id, "quantity": 2})  # fmt: skip
    item_route = "v1/carts/<uuid:cart_id>/items/<int:variant_id>"
    replays.send(anonymous_api, "PATCH", item_route, f"{items}/{variant_id}", {"quantity": 1})
    replays.send(anonymous_api, "DELETE", item_route, f"{items}/{variant_id}")
    replays.send(anonymous_api, "PUT", "v1/carts/<uuid:cart_id>/currency",
                 f"v1/carts/{cart['cart_id']}/currency", {"currency": "USD"})  # fmt: skip
    order_body = {
        "items": [{"variant_id": variant_id, "quantity": 2}],
        "email": "buyer@example.test",
        "shipping_address": ADDRESS,
    }
    created = replays.send(anonymous_api, "POST", "v1/orders", "v1/orders", order_body)
    order = pay_with_test_card(Order.objects.get(token=created["order_id"]))
    orders = f"v1/orders/{order.token}"
    replays.send(api, "POST", "v1/orders/<uuid:order_id>/fulfillments", f"{orders}/fulfillments",
                 {"lines": [{"line_id": order.lines.get().id, "quantity": 1}]})  # fmt: skip
    replays.send(api, "POST", "v1/orders/<uuid:order_id>/refunds", f"{orders}/refunds",
                 {"amount": "1.00", "reason": "scratched"})  # fmt: skip
    other = anonymous_api.post("/api/v1/orders", order_body, format="json").json()
    replays.send(api, "POST", "v1/orders/<uuid:order_id>/cancel",
                 f"v1/orders/{other['order_id']}/cancel", {})  # fmt: skip
    card = replays.send(api, "POST", "v1/gift-cards", "v1/gift-cards", {"amount": "10.00"})
    cards = f"v1/carts/{cart['cart_id']}/gift-cards"
    replays.send(anonymous_api, "POST", "v1/carts/<uuid:cart_id>/gift-cards", cards,
                 {"code": card["code"]})  # fmt: skip
    replays.send(anonymous_api, "DELETE", "v1/carts/<uuid:cart_id>/gift-cards/<int:gift_card_id>",
                 f"{cards}/{card['id']}")  # fmt: skip
    replays.send(api, "POST", "v1/gift-cards/<int:card_id>/disable",
                 f"v1/gift-cards/{card['id']}/disable")  # fmt: skip
    replays.send(customer, "POST", "v1/products/<int:product_id>/reviews",
                 f"v1/products/{pid}/reviews", {"rating": 5, "title": "Good"})  # fmt: skip
    replays.send(api, "PATCH", "v1/variants/<int:variant_id>/inventory-policy",
                 f"v1/variants/{variant_id}/inventory-policy",
                 {"inventory_policy": "backorder"})  # fmt: skip
    collection = replays.send(api, "POST", "v1/collections", "v1/collections", {"name": "Sale"})
    collection_route = "v1/collections/<int:collection_id>"
    replays.send(api, "PATCH", collection_route, f"v1/collections/{collection['id']}",
                 {"name": "Summer sale"})  # fmt: skip
    replays.send(api, "DELETE", collection_route, f"v1/collections/{collection['id']}")
    replays.send(api, "DELETE", "v1/products/<int:product_id>", f"v1/products/{pid}")

    assert replays.covered == idempotent_operations()
