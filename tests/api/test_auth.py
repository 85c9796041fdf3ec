import pytest
from django_tenants.utils import schema_context

from apps.api import services
from apps.api.models import ApiKey
from tests.api.conftest import _client


@pytest.mark.django_db
def test_key_of_store_a_is_unknown_on_store_b(store, other_store):
    _, raw = services.create_api_key(name="A", scopes=["orders:read"])

    response = _client(other_store, raw).get("/api/v1/orders")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_read_only_key_cannot_write(make_api_client):
    client = make_api_client(scopes=["orders:read"])

    response = client.post(f"/api/v1/orders/{'0' * 8}-0000-0000-0000-{'0' * 12}/cancel", {})

    assert response.status_code == 403
    assert "orders:write" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_revoked_key_is_rejected_and_last_use_is_recorded(store):
    key, raw = services.create_api_key(name="old", scopes=["orders:read"])
    assert _client(store, raw).get("/api/v1/orders").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None

    services.revoke_api_key(key_id=key.id)

    assert _client(store, raw).get("/api/v1/orders").status_code == 401


@pytest.mark.django_db
def test_keys_are_stored_hashed_only(store):
    key, raw = services.create_api_key(name="hash", scopes=["orders:read"])

    stored = ApiKey.objects.filter(pk=key.pk).values_list("hashed_key", "prefix").get()

    assert raw not in stored
    assert raw.startswith(f"mk_{key.prefix}_")


@pytest.mark.django_db
def test_unknown_scopes_are_refused(store):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.create_api_key(name="bad", scopes=["orders:delete"])


@pytest.mark.django_db
def test_anonymous_cannot_list_orders(anonymous_api):
    response = anonymous_api.get("/api/v1/orders")

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}


@pytest.mark.django_db
def test_create_api_key_command_prints_the_key_once(store, capsys):
    from django.core.management import call_command

    with schema_context("public"):
        call_command("create_api_key", "--store", store.slug, "--name", "cli", "--scopes", "all")

    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert raw.startswith("mk_")
    assert _client(store, raw).get("/api/v1/orders").status_code == 200


@pytest.mark.django_db
def test_throttling_answers_429_with_retry_after(make_api_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"api_key": "3/min", "ip": "3/min"})
    client = make_api_client(scopes=["orders:read"])

    codes = [client.get("/api/v1/orders").status_code for _ in range(4)]
    last = client.get("/api/v1/orders")

    assert codes == [200, 200, 200, 429]
    assert int(last["Retry-After"]) > 0
    assert last.json()["error"]["code"] == "throttled"
