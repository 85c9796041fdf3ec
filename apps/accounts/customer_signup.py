"""Storefront sign-up that never tells a visitor whether an email already has an account.

Whatever the address, a valid form gets the same answer ("check your inbox") and one email:

- a new address gets an account that cannot sign in yet, and a signed link that confirms it
  (``/account/confirm/<token>/``, valid ``LINK_DAYS``), which signs the shopper in;
- an address with a confirmed account gets "you already have an account" with sign-in and
  password-reset links, and nothing changes;
- an address whose account was never confirmed (someone else may have typed it) takes the new
  password and gets a fresh link: only the inbox's owner can finish, so nobody can squat an email.

The token names the account and the store's schema, signed with SECRET_KEY under its own salt:
nothing is stored until the link is opened, and a link cannot be used on another store.
"""

import logging
import secrets

from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.core.mail import send_email_after_commit, stable_message_id

logger = logging.getLogger(__name__)

SALT = "mercato.accounts.customer-signup"
LINK_DAYS = 3


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": connection.schema_name}, salt=SALT)


@transaction.atomic
def start_customer_signup(
    *, email: str, password: str, first_name: str, store_base: str, store_name: str
) -> None:
    """Create (or refresh) an unconfirmed account, or tell the existing one; email either way.

    Raises ValidationError for a password the validators refuse, the same for every address.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        password_validation.validate_password(password, user=User(email=email))
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email, password=password, first_name=first_name.strip(),
                    is_active=False,
                )  # fmt: skip
        except IntegrityError:  # a concurrent sign-up with the same address won
            user = User.objects.select_for_update().get(email__iexact=email)
            _email_on_commit(user, "account_exists", store_base, store_name)
            return
    elif not user.is_active and user.last_login is None:
        user.set_password(password)
        user.first_name = first_name.strip() or user.first_name
        user.save(update_fields=["password", "first_name"])
    else:
        _email_on_commit(user, "account_exists", store_base, store_name)
        return
    _email_on_commit(user, "confirm_signup", store_base, store_name, token=make_token(user))


@transaction.atomic
def confirm_customer_signup(*, token: str) -> User:
    """Activate the account a link names (idempotent); raise ValidationError for a bad link."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_DAYS * 24 * 3600)
        if data["s"] != connection.schema_name:
            raise ValueError("another store's link")
        user = User.objects.select_for_update().get(pk=int(data["u"]))
    except signing.SignatureExpired as exc:
        raise ValidationError(
            "This link has expired: sign up again to get a new one.", code="expired"
        ) from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist) as exc:
        raise ValidationError("This confirmation link is not valid.", code="invalid") from exc
    if not user.is_active:
        if user.last_login is not None:  # deactivated by the store, not waiting for a link
            raise ValidationError("This confirmation link is not valid.", code="invalid")
        user.is_active = True
        user.save(update_fields=["is_active"])
        logger.info("customer %s confirmed their email", user.pk)
    return user


def _email_on_commit(user: User, template: str, store_base: str, store_name: str, **extra) -> None:
    context = {"user": user, "store_base": store_base, "store_name": store_name, **extra}
    context["days"] = LINK_DAYS
    subject, _, body = render_to_string(f"storefront/account/{template}.txt", context).partition(
        "\n\n"
    )
    send_email_after_commit(
        subject=subject.strip(),
        body=body,
        to=user.email,
        # One per sign-up attempt, the same across this message's retries.
        message_id=stable_message_id(template, user.pk, secrets.token_hex(16)),
    )
