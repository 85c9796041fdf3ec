"""Absolute links the storefront writes use the public base, not the request's host or port."""

import pytest

from apps.tenants.models import Domain
from tests.factories.accounts import UserFactory
from tests.factories.catalog import CategoryFactory
from tests.storefront.test_listings import make_product


@pytest.fixture
def public_base(settings, store):
    """A web server published on port 8000 whose visitors arrive through the test client."""
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", "8000"
    return f"http://{store.primary_host}:8000"


@pytest.mark.django_db
def test_sitemap_index_and_sections_use_the_public_base(public_base, store_client):
    CategoryFactory(slug="decor")
    make_product("Brass Vase")

    index = store_client.get("/sitemap.xml").content.decode()
    products = store_client.get("/sitemap-products.xml").content.decode()
    categories = store_client.get("/sitemap-categories.xml").content.decode()

    assert f"<loc>{public_base}/sitemap-products.xml</loc>" in index
    assert f"<loc>{public_base}/sitemap-categories.xml</loc>" in index
    assert f"<loc>{public_base}/products/brass-vase/</loc>" in products
    assert f"<loc>{public_base}/categories/decor/</loc>" in categories


@pytest.mark.django_db
def test_robots_and_canonical_links_use_the_public_base(public_base, store_client):
    CategoryFactory(slug="garden")

    robots = store_client.get("/robots.txt").content.decode()
    category = store_client.get("/categories/garden/").content.decode()

    assert f"Sitemap: {public_base}/sitemap.xml" in robots
    assert f'<link rel="canonical" href="{public_base}/categories/garden/">' in category


@pytest.mark.django_db
def test_canonical_link_names_the_custom_primary_domain(settings, store, store_client):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""
    Domain.objects.filter(tenant=store).update(is_primary=False)
    Domain.objects.create(domain="shop.example.com", tenant=store, is_primary=True)
    CategoryFactory(slug="garden")

    body = store_client.get("/categories/garden/").content.decode()

    assert '<link rel="canonical" href="https://shop.example.com/categories/garden/">' in body


@pytest.mark.django_db
def test_password_reset_email_links_to_the_public_base(public_base, store_client, mailoutbox):
    UserFactory(email="forgetful@example.test")

    store_client.post("/account/password-reset/", {"email": "forgetful@example.test"})

    [message] = mailoutbox
    assert f"{public_base}/account/reset/" in message.body
