"""Account writes: store staff with their roles (customers sign up through
``apps.accounts.customer_signup``)."""

import logging

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts import roles

logger = logging.getLogger(__name__)


@transaction.atomic
def invite_staff(
    *,
    email: str,
    role: str,
    password: str = "",
    first_name: str = "",
    last_name: str = "",
):
    """Give someone access to this store's admin with a role.

    A new email gets an account with the given password; an existing account (a customer of the
    store) keeps its password and gains the role. Owners are superusers of their store.
    """
    User = get_user_model()
    if role not in dict(roles.ROLE_CHOICES):
        raise ValidationError({"role": "Choose staff or owner."})
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is None:
        if not password:
            raise ValidationError({"password": "A new account needs a password."})
        try:
            password_validation.validate_password(password, user=User(email=email))
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name.strip(),
            last_name=last_name.strip(),
        )  # fmt: skip
    set_staff_role(user=user, role=role)
    logger.info("user %s given the %s role", email, role)
    return user


def set_staff_role(*, user, role: str) -> None:
    """Make ``user`` owner or staff. Call inside a transaction."""
    if Group.objects.filter(name__in=[roles.OWNER_GROUP, roles.STAFF_GROUP]).count() < 2:
        roles.ensure_roles()  # a schema older than the roles migration
    owner = Group.objects.get(name=roles.OWNER_GROUP)
    staff = Group.objects.get(name=roles.STAFF_GROUP)
    user.is_staff = True
    user.is_active = True
    user.is_superuser = role == "owner"
    user.save(update_fields=["is_staff", "is_active", "is_superuser"])
    user.groups.remove(owner, staff)
    user.groups.add(owner if role == "owner" else staff)


@transaction.atomic
def revoke_staff(*, user_id: int, actor_id: int) -> None:
    """Take away someone's admin access (their customer account, if any, stays)."""
    User = get_user_model()
    if user_id == actor_id:
        raise ValidationError("You cannot remove your own access.")
    user = User.objects.select_for_update().get(pk=user_id)
    if (
        user.is_superuser
        and not User.objects.filter(is_superuser=True, is_active=True).exclude(pk=user_id).exists()
    ):
        raise ValidationError("A store keeps at least one owner.")
    user.is_staff = False
    user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.clear()
    user.user_permissions.clear()
    logger.info("user %s lost admin access", user.email)
