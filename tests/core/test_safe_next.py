"""``next`` values that are not a safe local path are ignored: login, logout, cart and the
POST-only views' GET redirect all fall back to their own default."""

import pytest
from django.test import RequestFactory

from apps.core.redirects import safe_next
from tests.factories.accounts import UserFactory

UNSAFE = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "x",
    "cart:detail",
    "",
]


@pytest.fixture
def request_on_shop(settings):
    settings.ALLOWED_HOSTS = ["shop.example"]
    return RequestFactory().get("/", HTTP_HOST="shop.example")


@pytest.mark.parametrize("target", UNSAFE)
def test_safe_next_refuses_what_is_not_a_local_path(request_on_shop, target):
    request = request_on_shop

    assert safe_next(request, target) == ""


@pytest.mark.parametrize("target", ["/", "/cart/", "/products/a/?variant=2#reviews"])
def test_safe_next_keeps_a_local_path(request_on_shop, target):
    request = request_on_shop

    assert safe_next(request, target) == target


def test_safe_next_wants_a_path_even_for_this_host(request_on_shop):
    assert safe_next(request_on_shop, "http://shop.example/cart/") == ""


@pytest.mark.django_db
@pytest.mark.parametrize("target", UNSAFE)
def test_login_ignores_an_unsafe_next(store_client, target):
    UserFactory(email="member@example.test")

    response = store_client.post(
        "/account/login/",
        {"username": "member@example.test", "password": "Customer-pass-1", "next": target},
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/"


@pytest.mark.django_db
def test_login_follows_a_local_next(store_client):
    UserFactory(email="member@example.test")

    response = store_client.post(
        "/account/login/",
        {"username": "member@example.test", "password": "Customer-pass-1", "next": "/cart/"},
    )

    assert response["Location"] == "/cart/"


@pytest.mark.django_db
@pytest.mark.parametrize("target", UNSAFE)
def test_logout_ignores_an_unsafe_next(store_client, target):
    store_client.force_login(UserFactory())

    response = store_client.post("/account/logout/", {"next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("target", UNSAFE)
def test_cart_and_post_only_redirects_ignore_an_unsafe_next(store_client, target):
    added = store_client.post("/cart/add/", {"variant_id": "nope", "next": target})
    revisited = store_client.get("/cart/add/", {"next": target})

    assert (added.status_code, added["Location"]) == (302, "/cart/")
    assert (revisited.status_code, revisited["Location"]) == (302, "/cart/")
