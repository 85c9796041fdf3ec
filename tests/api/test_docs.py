import pytest


@pytest.mark.django_db
def test_schema_and_docs_are_served_locally(anonymous_api):
    schema = anonymous_api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = anonymous_api.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert "/api/v1/orders" in schema.content.decode()
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_schema_states_what_the_views_enforce(anonymous_api):
    schema = anonymous_api.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    def body_schema(path, method):
        ref = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[1]]

    # Removing a cart line or gift card answers 200 with the cart, like the other cart calls.
    for path in (
        "/api/v1/carts/{cart_id}/items/{variant_id}",
        "/api/v1/carts/{cart_id}/gift-cards/{gift_card_id}",
    ):
        responses = paths[path]["delete"]["responses"]
        assert "204" not in responses
        cart = responses["200"]["content"]["application/json"]["schema"]
        assert cart["$ref"].endswith("/CartOutput")
    # PATCH of a cart line sets its quantity: the body is whole, quantity required.
    line = body_schema("/api/v1/carts/{cart_id}/items/{variant_id}", "patch")
    assert line["required"] == ["quantity"]
    # A slug is a slug in the schema too.
    product = body_schema("/api/v1/products/{product_id}", "patch")
    assert product["properties"]["slug"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert product["properties"]["tags"]["items"]["maxLength"] == 60
    gift_card = body_schema("/api/v1/gift-cards", "post")
    assert gift_card["properties"]["currency"]["pattern"] == "^[A-Za-z]{3}$"
    # A pre-order without its date: 422 where a variant's policy is written.
    assert "422" in paths["/api/v1/products"]["post"]["responses"]
    assert "422" in paths["/api/v1/variants/{variant_id}/inventory-policy"]["patch"]["responses"]
