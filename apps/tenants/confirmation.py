"""A new store's owner confirms their email before the store can take live payments.

Signup emails the owner a signed link (``/signup/confirm/<token>/`` on the platform host, valid
for ``LINK_DAYS``). The token names the store and the email, signed with SECRET_KEY under its
own salt: nothing is stored until the link is opened, and a link cannot be forged or moved to
another store. Until then the payments app refuses live mode (``payments.gateways.registry``);
test mode works from the start.
"""

import logging

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.mail import send_email_after_commit, stable_message_id
from apps.tenants import public_urls, routing
from apps.tenants.models import Store

logger = logging.getLogger(__name__)

SALT = "mercato.tenants.owner-email"
LINK_DAYS = 7


def make_token(*, store: Store, owner_email: str) -> str:
    return signing.dumps({"store": store.pk, "email": owner_email.lower()}, salt=SALT)


def confirmation_url(*, store: Store, owner_email: str) -> str:
    return public_urls.platform_url(
        f"/signup/confirm/{make_token(store=store, owner_email=owner_email)}/"
    )


def send_owner_confirmation(*, store: Store, owner_email: str) -> None:
    """Email the owner their confirmation link, after the current transaction commits."""
    url = confirmation_url(store=store, owner_email=owner_email)
    context = {"store": store, "url": url, "days": LINK_DAYS}
    send_email_after_commit(
        subject=f"Confirm your email to take payments at {store.name}",
        body=render_to_string("tenants/emails/confirm_owner_email.txt", context),
        to=owner_email,
        message_id=stable_message_id("owner-confirmation", store.pk, url),
    )


@transaction.atomic
def confirm_owner_email(*, token: str) -> Store:
    """Mark the store's owner email confirmed from a link's token (idempotent)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_DAYS * 24 * 3600)
        store = Store.objects.select_for_update().get(pk=int(data["store"]))
    except signing.SignatureExpired as exc:
        raise ValidationError("This link has expired: send a new one from your store admin "
                              "(Store settings).", code="expired") from exc  # fmt: skip
    except (signing.BadSignature, KeyError, TypeError, ValueError, Store.DoesNotExist) as exc:
        raise ValidationError("This confirmation link is not valid.", code="invalid") from exc
    if store.owner_email_confirmed_at is None:
        now = timezone.now()
        Store.objects.filter(pk=store.pk).update(owner_email_confirmed_at=now)
        store.owner_email_confirmed_at = now
        routing.forget_store_hosts(store.id)
        logger.info("store %s owner email confirmed", store.schema_name)
    return store
