import pytest
from django.contrib.auth import get_user_model

from apps.accounts import services as account_services
from apps.content import selectors
from apps.content.models import Page
from tests.content.test_services import png_upload


@pytest.fixture
def owner_client(store_client):
    store_client.force_login(get_user_model().objects.get(email="owner@teststore.test"))
    return store_client


def _theme_form(**overrides) -> dict:
    return {
        "primary_color": "#0b6e4f",
        "accent_color": "#17a773",
        "footer_links-TOTAL_FORMS": "0",
        "footer_links-INITIAL_FORMS": "0",
        **overrides,
    }


@pytest.mark.django_db
def test_the_theme_list_opens_the_one_theme_and_a_light_primary_is_a_form_error(owner_client):
    theme = selectors.get_theme()

    listing = owner_client.get("/admin/content/storetheme/")
    refused = owner_client.post(
        f"/admin/content/storetheme/{theme.pk}/change/", _theme_form(primary_color="#9ee6c5")
    )

    assert listing.status_code == 302 and listing["Location"].endswith(f"/{theme.pk}/change/")
    assert refused.status_code == 200 and "4.5:1" in refused.content.decode()
    theme.refresh_from_db()
    assert theme.primary_color == "#0b6e4f"


@pytest.mark.django_db
def test_uploading_a_logo_in_the_admin_makes_the_favicons(owner_client):
    theme = selectors.get_theme()

    response = owner_client.post(
        f"/admin/content/storetheme/{theme.pk}/change/",
        _theme_form(logo=png_upload(), hero_heading="Hi"),
    )

    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.logo and theme.favicon_32 and theme.favicon_180 and theme.hero_heading == "Hi"


@pytest.mark.django_db
def test_a_page_is_edited_in_the_admin_and_shown_sanitised(owner_client):
    page = Page.objects.get(slug="shipping")

    saved = owner_client.post(
        f"/admin/content/page/{page.pk}/change/",
        {
            "title": "Shipping",
            "slug": "shipping",
            "kind": "shipping",
            "position": "2",
            "body": "We ship **fast**.<script>x()</script>",
            "published": "on",
            "show_in_footer": "on",
        },  # fmt: skip
    )
    form = owner_client.get(f"/admin/content/page/{page.pk}/change/").content.decode()

    assert saved.status_code == 302
    assert "<strong>fast</strong>" in form and "<script>x()" not in form.split("rendered")[-1]


@pytest.mark.django_db
def test_staff_without_settings_rights_cannot_open_the_theme_or_pages(store_client):
    clerk = account_services.invite_staff(
        email="clerk@teststore.test", role="staff", password="Staff-pass-2026!", first_name="C"
    )
    store_client.force_login(clerk)

    theme = store_client.get("/admin/content/storetheme/")
    pages = store_client.get("/admin/content/page/")

    assert theme.status_code == 403 and pages.status_code == 403
