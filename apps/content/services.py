"""Writes of the store's theme, pages and contact messages."""

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from apps.content import favicons, throttling
from apps.content.defaults import DEFAULT_PAGES
from apps.content.exceptions import ContactRateLimited
from apps.content.models import ContactMessage, Page, StoreTheme
from apps.content.selectors import PREVIEW_FIELDS
from apps.core import tenancy
from apps.notifications.senders import sender_for
from apps.tenants.selectors import get_current_store

logger = logging.getLogger(__name__)

PREVIEW_MAX_AGE_SECONDS = 3600


@transaction.atomic
def save_theme(*, theme: StoreTheme, logo_changed: bool = False) -> StoreTheme:
    """Validate and save the theme; remake the tab icons when the logo changed.

    The storefront's cached theme is dropped on save (see ``apps.content.apps``).
    """
    theme.pk = StoreTheme.SINGLETON_PK
    theme.full_clean()
    theme.save()
    if logo_changed:
        icons = favicons.make_favicons(theme)
        for field, name in icons.items():
            setattr(theme, field, name)
        theme.save(update_fields=[*icons, "updated_at"])
    return theme


@transaction.atomic
def save_page(*, page: Page) -> Page:
    page.full_clean()
    page.save()
    return page


def create_default_pages(*, page_model: Any = Page) -> int:
    """Create the default pages this store does not have yet (by slug); return how many.

    ``page_model`` is the historical model when a migration calls it.
    """
    existing = set(page_model.objects.values_list("slug", flat=True))
    missing = [
        page_model(**spec, position=position)
        for position, spec in enumerate(DEFAULT_PAGES)
        if spec["slug"] not in existing
    ]
    page_model.objects.bulk_create(missing)
    return len(missing)


def sign_theme_preview(values: dict) -> str:
    """A signed token with unsaved theme values, read back by ``read_theme_preview``.

    Salted with the store's schema: a token made in one store's admin does nothing elsewhere.
    """
    data = {key: str(values[key]) for key in PREVIEW_FIELDS if key in values}
    return signing.dumps(data, salt=_preview_salt(), compress=True)


def read_theme_preview(token: str) -> dict | None:
    """The values of a valid preview token of this store (an hour at most), else None."""
    try:
        data = signing.loads(token, salt=_preview_salt(), max_age=PREVIEW_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _preview_salt() -> str:
    return f"content.theme-preview:{connection.schema_name}"


@transaction.atomic
def submit_contact_message(
    *, name: str, email: str, subject: str, message: str, client: str
) -> ContactMessage:
    """Record a contact-form message and email it to the merchant after commit.

    Raises ``ContactRateLimited`` past the hourly limit per client address.
    """
    if not throttling.count_contact_message(client):
        raise ContactRateLimited(
            "You have sent several messages in the last hour; please try again later."
        )
    contact = ContactMessage(name=name, email=email, subject=subject, message=message)
    contact.full_clean()
    contact.save()
    queue_contact_email(message_id=contact.pk)
    return contact


def queue_contact_email(*, message_id: int) -> None:
    # The task module imports this one: imported when the first message is queued.
    from apps.content.tasks import send_contact_message_task

    schema = connection.schema_name
    tenancy.on_commit(
        lambda: send_contact_message_task.apply_async(
            args=[message_id], headers={"_schema_name": schema}
        ),
        robust=True,
    )


def contact_recipients() -> list[str]:
    """The theme's contact address, else the store's owners (active superusers)."""
    theme = StoreTheme.objects.filter(pk=StoreTheme.SINGLETON_PK).first()
    if theme is not None and theme.contact_email:
        return [theme.contact_email]
    return list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .order_by("pk")
        .values_list("email", flat=True)
    )


def send_contact_message(*, message_id: int) -> bool:
    """Email one contact message to the merchant (Reply-To: the visitor); once.

    Returns False when it was already sent, is gone, or the store has nobody to send it to.
    An SMTP error propagates (the task retries it).
    """
    contact = ContactMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if contact is None:
        return False
    recipients = contact_recipients()
    if not recipients:
        logger.warning("contact message %s: the store has no owner or contact address", message_id)
        return False
    store = get_current_store()
    subject = contact.subject or "Message from your store's contact page"
    body = (
        f"{contact.name} <{contact.email}> wrote through the contact page of {store.name}:\n\n"
        f"{contact.message}\n\n-- \nReply to this email to answer {contact.name}."
    )
    EmailMessage(
        subject=f"{store.name}: {subject}",
        body=body,
        from_email=sender_for(store),
        to=recipients,
        reply_to=[contact.email],
    ).send()
    ContactMessage.objects.filter(pk=message_id).update(sent_at=timezone.now())
    return True
