"""Store A's data, cache entries and sessions are invisible from store B."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import STORE_SPEC, TEST_PASSWORD
from tests.factories.catalog import ProductFactory, VariantFactory


@pytest.mark.django_db
def test_users_of_one_store_do_not_exist_in_another(store, other_store):
    with schema_context(store.schema_name):
        get_user_model().objects.create_user(email="shopper@a.test", password="x")

    with schema_context(other_store.schema_name):
        emails_in_b = set(get_user_model().objects.values_list("email", flat=True))

    assert "shopper@a.test" not in emails_in_b
    assert STORE_SPEC["owner_email"] not in emails_in_b


@pytest.mark.django_db
def test_product_of_store_a_is_not_served_on_store_b_host(store, store_client, other_store_client):
    VariantFactory(product=ProductFactory(slug="only-in-a", name="Only in A"))

    in_a = store_client.get("/products/only-in-a/")
    in_b = other_store_client.get("/products/only-in-a/")

    assert in_a.status_code == 200
    assert in_b.status_code == 404
    assert "Only in A" not in other_store_client.get("/").content.decode()


@pytest.mark.django_db
def test_owner_of_store_a_cannot_sign_in_to_store_b_admin(other_store_client):
    response = other_store_client.post(
        "/admin/login/", {"username": STORE_SPEC["owner_email"], "password": TEST_PASSWORD}
    )

    assert response.status_code == 200  # form re-rendered with an error
    assert not response.context["user"].is_authenticated


@pytest.mark.django_db
def test_cache_key_set_in_store_a_is_not_seen_in_store_b(store, other_store):
    with schema_context(store.schema_name):
        cache.set("isolation-probe", "secret of A", 30)

    with schema_context(other_store.schema_name):
        seen_in_b = cache.get("isolation-probe")
    with schema_context(store.schema_name):
        seen_in_a = cache.get("isolation-probe")
        cache.delete("isolation-probe")

    assert seen_in_b is None
    assert seen_in_a == "secret of A"


@pytest.mark.django_db
def test_session_cookie_from_store_a_is_anonymous_on_store_b(store_client, other_store_client):
    login = store_client.post(
        "/admin/login/?next=/admin/",
        {"username": STORE_SPEC["owner_email"], "password": TEST_PASSWORD},
    )
    session_id = login.cookies["sessionid"].value
    assert store_client.get("/admin/").status_code == 200

    other_store_client.cookies["sessionid"] = session_id
    response = other_store_client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_host_only(store_client):
    page = store_client.get("/admin/login/")
    login = store_client.post(
        "/admin/login/?next=/admin/",
        {
            "username": STORE_SPEC["owner_email"],
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
    )

    assert page.cookies["csrftoken"]["domain"] == ""
    assert login.cookies["sessionid"]["domain"] == ""
    assert "Domain=" not in login.cookies["sessionid"].OutputString()


@pytest.mark.django_db
def test_connection_stays_in_store_schema_for_store_hosts(store, store_client):
    store_client.get("/")

    assert connection.schema_name == store.schema_name
