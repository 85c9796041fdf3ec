import pytest
from django_tenants.utils import schema_exists

from apps.tenants.models import Store


def _signup_data(slug: str, **overrides) -> dict:
    data = {
        "name": "Fresh Bakes",
        "slug": slug,
        "owner_email": "baker@bakes.test",
        "owner_password": "Sourdough-2026",
        "owner_password_confirm": "Sourdough-2026",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_landing_page_lists_active_stores(platform_client, store, other_store):
    response = platform_client.get("/")

    assert response.status_code == 200
    assert "Test Store" in response.content.decode()
    assert "Other Store" in response.content.decode()


@pytest.mark.django_db
def test_signup_opens_a_store_and_links_to_it(platform_client, public_schema, settings):
    settings.PUBLIC_PORT = "8000"
    response = platform_client.post("/signup/", _signup_data("fresh-bakes"), follow=True)

    assert response.status_code == 200
    assert Store.objects.filter(schema_name="fresh-bakes").exists()
    assert "http://fresh-bakes.localhost:8000/admin/" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("teststore", "already taken"),
        ("admin", "reserved"),
        ("public", "reserved"),
        ("Not A Slug", "lowercase letters"),
    ],
)
def test_signup_with_taken_reserved_or_bad_slug_shows_form_error(
    platform_client, public_schema, slug, message
):
    stores_before = Store.objects.count()

    response = platform_client.post("/signup/", _signup_data(slug))

    assert response.status_code == 200
    assert message in response.context["form"].errors["slug"][0]
    assert Store.objects.count() == stores_before


@pytest.mark.django_db
def test_signup_with_weak_or_mismatched_password_shows_form_error(platform_client, public_schema):
    weak = platform_client.post(
        "/signup/", _signup_data("weakpw", owner_password="123", owner_password_confirm="123")
    )
    mismatch = platform_client.post(
        "/signup/", _signup_data("mismatch", owner_password_confirm="Different-2026")
    )

    assert "owner_password" in weak.context["form"].errors
    assert "owner_password_confirm" in mismatch.context["form"].errors
    assert not schema_exists("weakpw") and not schema_exists("mismatch")


@pytest.mark.django_db
def test_unknown_host_gets_friendly_404_page():
    from django.test import Client

    response = Client(HTTP_HOST="nosuchstore.localhost").get("/")

    assert response.status_code == 404
    assert "There is no store here" in response.content.decode()


@pytest.mark.django_db
def test_store_admin_login_page_is_served_on_store_host(store_client):
    response = store_client.get("/admin/login/")

    assert response.status_code == 200
    assert "Store admin" in response.content.decode()


@pytest.mark.django_db
def test_store_owner_can_sign_in_to_store_admin(store_client):
    from tests.conftest import STORE_SPEC, TEST_PASSWORD

    response = store_client.post(
        "/admin/login/?next=/admin/",
        {"username": STORE_SPEC["owner_email"], "password": TEST_PASSWORD},
        follow=True,
    )

    assert response.status_code == 200
    assert response.context["user"].email == STORE_SPEC["owner_email"]
    assert 'id="store-nav"' in response.content.decode()  # the store admin's sidebar


@pytest.mark.django_db
def test_platform_admin_does_not_offer_store_catalog_models(platform_client, public_schema):
    from apps.accounts.models import User

    admin = User.objects.create_superuser(email="staff@platform.test", password="x")
    platform_client.force_login(admin)

    response = platform_client.get("/admin/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Stores" in body
    assert "/admin/catalog/" not in body
