from io import BytesIO

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from apps.content import selectors, services, throttling
from apps.content.exceptions import ContactRateLimited
from apps.content.models import ContactMessage, Page
from apps.core import store_cache


def png_upload(name="logo.png", size=(400, 200), color=(200, 30, 60, 255)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGBA", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_saving_a_logo_makes_32_and_180_pixel_square_favicons():
    theme = selectors.get_theme()
    theme.logo = png_upload()

    services.save_theme(theme=theme, logo_changed=True)

    theme.refresh_from_db()
    for field, size in (("favicon_32", 32), ("favicon_180", 180)):
        with getattr(theme, field).open("rb") as icon_file:
            icon = Image.open(icon_file)
            assert icon.size == (size, size) and icon.format == "PNG"
    assert theme.favicon_32.name.startswith("theme/")
    assert connection.schema_name in theme.favicon_32.path  # the store's own media folder


@pytest.mark.django_db
def test_the_storefront_theme_is_cached_and_a_save_drops_the_cached_copy(
    django_assert_num_queries,
):
    store_cache.clear_all()
    selectors.get_storefront_theme()
    with django_assert_num_queries(0):
        assert selectors.get_storefront_theme().primary_color == "#0b6e4f"

    theme = selectors.get_theme()
    theme.primary_color = "#8a1c3b"
    services.save_theme(theme=theme)

    assert selectors.get_storefront_theme().primary_color == "#8a1c3b"


@pytest.mark.django_db
def test_save_theme_refuses_an_unreadable_primary_colour_and_a_bad_link():
    theme = selectors.get_theme()
    theme.primary_color = "#ffee00"
    theme.announcement_link = "javascript:alert(1)"

    with pytest.raises(ValidationError) as caught:
        services.save_theme(theme=theme)

    assert set(caught.value.message_dict) == {"primary_color", "announcement_link"}


@pytest.mark.django_db
def test_a_new_store_starts_with_the_default_pages_as_editable_drafts():
    pages = {page.slug: page for page in Page.objects.all()}

    assert set(pages) >= {"about", "contact", "shipping", "returns", "privacy", "terms"}
    assert pages["returns"].kind == Page.Kind.RETURNS
    assert [p.slug for p in selectors.list_policy_pages()] == [
        "shipping", "returns", "privacy", "terms",
    ]  # fmt: skip
    assert services.create_default_pages() == 0  # idempotent


@pytest.mark.django_db
def test_a_preview_token_carries_unsaved_values_and_is_refused_by_another_store(other_store):
    token = services.sign_theme_preview(
        {"primary_color": "#123456", "announcement": "Sale!", "logo": "ignored"}
    )

    values = services.read_theme_preview(token)
    assert values == {"primary_color": "#123456", "announcement": "Sale!"}
    assert services.read_theme_preview(token + "x") is None
    connection.set_tenant(other_store)
    assert services.read_theme_preview(token) is None


@pytest.mark.django_db
def test_a_contact_message_is_stored_and_emailed_to_the_owners_after_commit(
    django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact = services.submit_contact_message(
            name="Grace",
            email="grace@example.test",
            subject="Sizing",
            message="Does the M fit like a US M?",
            client="198.51.100.7",
        )

    contact.refresh_from_db()
    assert contact.sent_at is not None
    [email] = mail.outbox
    assert email.to == ["owner@teststore.test"]
    assert email.reply_to == ["grace@example.test"]
    assert "Does the M fit" in email.body and "Sizing" in email.subject


@pytest.mark.django_db
def test_contact_mail_goes_to_the_theme_contact_address_and_is_sent_once():
    theme = selectors.get_theme()
    theme.contact_email = "help@teststore.test"
    services.save_theme(theme=theme)
    contact = ContactMessage.objects.create(name="A", email="a@example.test", message="Hello there")

    assert services.send_contact_message(message_id=contact.pk) is True
    assert services.send_contact_message(message_id=contact.pk) is False

    assert [m.to for m in mail.outbox] == [["help@teststore.test"]]


@pytest.mark.django_db
def test_the_contact_form_is_limited_per_client_address_per_hour():
    client = "203.0.113.99-limit"
    cache.delete(f"throttle:contact:{client}")
    for _ in range(throttling.CONTACT_MESSAGES_PER_HOUR):
        services.submit_contact_message(
            name="Bot", email="b@example.test", subject="", message="hello hello", client=client
        )

    with pytest.raises(ContactRateLimited):
        services.submit_contact_message(
            name="Bot", email="b@example.test", subject="", message="hello hello", client=client
        )

    assert ContactMessage.objects.count() == throttling.CONTACT_MESSAGES_PER_HOUR
    cache.delete(f"throttle:contact:{client}")
