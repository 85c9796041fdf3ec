"""The store admin's sidebar is organised by a merchant's work; technical tables are tabs of
the page they belong to; the platform admin keeps Django's own sidebar; no green headers."""

import pytest

from apps.dashboard import navigation


def _sidebar(html: str) -> str:
    return html.split('id="store-nav"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.django_db
def test_owner_sidebar_lists_merchant_sections_and_no_technical_tables(owner_client):
    html = owner_client.get("/admin/orders/order/").content.decode()

    sidebar = _sidebar(html)
    for label in ("Home", "Orders", "Products", "Customers", "Discounts", "Analytics",
                  "Marketing", "Online store", "Settings"):  # fmt: skip
        assert f"<span>{label}</span>" in sidebar
    assert "/admin/content/storetheme/" in sidebar  # Online store opens on the theme
    pages = _sidebar(owner_client.get("/admin/content/page/").content.decode())
    assert "Contact messages" not in pages and 'aria-current="page">Pages' in pages
    products = _sidebar(owner_client.get("/admin/catalog/product/").content.decode())
    assert "/admin/payments/giftcard/" in products
    assert 'href="/admin/two-factor/">Two-factor sign-in</a>' in html  # the user's own links
    for technical in ("/admin/cart/cart/\"", "stockmovement", "reservation", "webhookevent",
                      "recomputerun"):  # fmt: skip
        assert technical not in sidebar
    assert "#008000" not in html  # django-tenants' debug colour


@pytest.mark.django_db
def test_technical_tables_are_tabs_of_their_page(owner_client):
    html = owner_client.get("/admin/inventory/stockmovement/").content.decode()

    tabs = html.split('class="store-tabs"', 1)[1].split("</nav>", 1)[0]
    assert "Stock movements" in tabs and "Reservations" in tabs and "Inventory" in tabs
    assert 'aria-current="page">Stock movements' in tabs
    assert 'aria-current="page">Inventory' in _sidebar(html)


@pytest.mark.django_db
def test_staff_sidebar_hides_pages_they_cannot_open(staff_client):
    sidebar = _sidebar(staff_client.get("/admin/").content.decode())

    assert "Orders" in sidebar and "Products" in sidebar
    assert "<span>Settings</span>" not in sidebar


def test_every_model_page_in_the_navigation_names_a_real_model():
    from django.apps import apps

    pages = [p for s in navigation.SECTIONS for p in s.pages]
    pages += [r for p in pages for r in p.related]
    for page in pages:
        if page.model:
            assert apps.get_model(page.model)


@pytest.mark.django_db
def test_platform_admin_keeps_its_own_sidebar(platform_client, public_schema):
    from apps.accounts.models import User

    platform_client.force_login(
        User.objects.create_superuser(email="ops@platform.test", password="x")
    )
    platform_client_admin = platform_client
    html = platform_client_admin.get("/admin/tenants/store/").content.decode()

    assert 'id="store-nav"' not in html
    assert "#008000" not in html


@pytest.mark.django_db
def test_collections_are_a_products_page_staff_can_open(staff_client):
    sidebar = _sidebar(staff_client.get("/admin/catalog/collection/").content.decode())

    assert 'aria-current="page">Collections' in sidebar
