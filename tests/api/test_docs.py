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
