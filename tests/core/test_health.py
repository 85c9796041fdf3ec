import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "teststore.localhost", "unknown.localhost"])
def test_healthz_and_readyz_answer_on_every_host(host):
    client = Client(HTTP_HOST=host)

    alive = client.get("/healthz")
    ready = client.get("/readyz")

    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_unreachable(settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
            },
        }
    }

    response = Client(HTTP_HOST="localhost").get("/readyz")

    assert response.status_code == 503
    assert list(response.json()["failing"]) == ["redis"]
