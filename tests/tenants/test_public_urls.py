"""The one builder of absolute URLs: scheme, port and host come from configuration."""

import importlib

import pytest

from apps.tenants import public_urls, selectors
from apps.tenants.models import Domain, Store


@pytest.mark.parametrize(
    ("scheme", "port", "base"),
    [
        ("http", "8000", "http://shop.example.com:8000"),
        ("http", "80", "http://shop.example.com"),
        ("http", "", "http://shop.example.com"),
        ("https", "443", "https://shop.example.com"),
        ("https", "", "https://shop.example.com"),
        ("https", "8443", "https://shop.example.com:8443"),
        ("https", "80", "https://shop.example.com:80"),
    ],
)
def test_public_base_leaves_out_only_the_schemes_default_port(settings, scheme, port, base):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = scheme, port

    assert public_urls.public_base("shop.example.com") == base


def test_absolute_url_refuses_a_relative_path(settings):
    with pytest.raises(ValueError):
        public_urls.absolute_url("shop.example.com", "orders/1/")


def test_store_url_uses_the_public_port(settings):
    settings.PUBLIC_PORT = "8000"

    url = public_urls.store_url(Store(schema_name="demo"), "/admin/")

    assert url == "http://demo.localhost:8000/admin/"


def test_platform_url_is_on_the_platform_domain(settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""
    settings.PLATFORM_DOMAIN = "mercato.example"

    assert public_urls.platform_url("/signup/") == "https://mercato.example/signup/"


@pytest.mark.django_db
def test_store_url_uses_the_stores_custom_primary_domain(store, settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", "443"
    Domain.objects.filter(tenant=store).update(is_primary=False)
    Domain.objects.create(domain="shop.example.com", tenant=store, is_primary=True)

    url = public_urls.store_url(store, "/orders/abc/")

    assert url == "https://shop.example.com/orders/abc/"


@pytest.mark.django_db
def test_store_url_of_a_store_without_a_primary_domain_falls_back_to_its_subdomain(store):
    Domain.objects.filter(tenant=store).update(is_primary=False)

    assert public_urls.store_url(store) == f"http://{store.primary_host}/"


@pytest.mark.django_db
def test_store_url_reads_prefetched_domains_without_a_query(
    store, other_store, django_assert_num_queries
):
    stores = list(selectors.list_active_stores())

    with django_assert_num_queries(0):
        urls = {public_urls.store_url(s) for s in stores}

    assert f"http://{store.primary_host}/" in urls
    assert f"http://{other_store.primary_host}/" in urls


@pytest.mark.parametrize(
    ("environment", "scheme", "port"),
    [
        # A process's own PORT (honcho: worker 8100) never reaches a URL.
        ({"PORT": "8100"}, "http", ""),
        ({"PORT": "8100", "PUBLIC_PORT": "8000"}, "http", "8000"),
        ({"PLATFORM_DOMAIN": "mercato.example"}, "https", ""),
        ({"PLATFORM_DOMAIN": "mercato.example", "DEBUG": "1"}, "http", ""),
        ({"PLATFORM_DOMAIN": "mercato.example", "PUBLIC_SCHEME": "http"}, "http", ""),
    ],
)
def test_public_settings_come_from_their_own_variables(monkeypatch, environment, scheme, port):
    import config.settings as settings_module

    with monkeypatch.context() as patch:
        for name in ("PORT", "PUBLIC_PORT", "PUBLIC_SCHEME", "PLATFORM_DOMAIN", "DEBUG"):
            patch.delenv(name, raising=False)
        for name, value in environment.items():
            patch.setenv(name, value)
        # Re-runs the settings module only (Django's configured settings are untouched).
        module = importlib.reload(settings_module)
        public = (module.PUBLIC_SCHEME, module.PUBLIC_PORT)
    importlib.reload(settings_module)  # back to the run's own environment

    assert public == (scheme, port)
