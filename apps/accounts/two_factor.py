"""Two-factor sign-in for staff (django-otp): an authenticator app (TOTP) plus recovery codes.

A staff member enrols from the admin (``/admin/two-factor/``): the page shows a new TOTP secret
and its ``otpauth://`` URI, and a code from the app confirms it; confirming also issues ten
single-use recovery codes. From then on the admin login asks for a code (from the app, or a
recovery code, which then stops working). Devices live in the schema of the user they belong to.

Who must enrol: platform admins when ``PLATFORM_ADMIN_REQUIRE_2FA`` (on when DEBUG is off), a
store's staff when its owner ticks "Require two-factor sign-in for staff" in store settings.
"""

import base64
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import get_public_schema_name

from apps.accounts.models import User
from apps.preferences import selectors as preference_selectors

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Recovery codes: 10 characters of an alphabet without look-alikes (0/O, 1/l/I), ~50 bits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10


_HAS_TWO_FACTOR = "_has_two_factor"


def has_two_factor(user: User) -> bool:
    """Whether ``user`` has a confirmed authenticator (a login then needs a code).

    Remembered on the user object, which lives for one request: the admin asks several times
    per page (its permission check runs for the view and again for the page's context), and
    each answer costs a query per device type. Enrolling or disabling forgets it."""
    known = getattr(user, _HAS_TWO_FACTOR, None)
    if known is None:
        known = user_has_device(user, confirmed=True)
        setattr(user, _HAS_TWO_FACTOR, known)
    return known


def _forget_two_factor(user: User) -> None:
    if hasattr(user, _HAS_TWO_FACTOR):
        delattr(user, _HAS_TWO_FACTOR)


def two_factor_required() -> bool:
    """Whether staff of the current schema must sign in with a second factor."""
    if connection.schema_name == get_public_schema_name():
        return bool(settings.PLATFORM_ADMIN_REQUIRE_2FA)
    return preference_selectors.get_store_settings().require_staff_two_factor


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret an authenticator app asks for when it cannot scan the URI."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


@transaction.atomic
def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """Create a new, unconfirmed TOTP secret for ``user`` (replacing any earlier unconfirmed one).

    A confirmed authenticator stays in force until the new one is confirmed.
    """
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_totp_enrolment(*, user: User, token: str) -> list[str]:
    """Confirm the pending secret with a code from the app; return new recovery codes.

    The confirmed device replaces any earlier authenticator of the user, and earlier recovery
    codes stop working.
    """
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None:
        raise ValidationError({"token": "Start again: there is no authenticator to confirm."})
    if not device.verify_token(_clean_token(token)):
        raise ValidationError({"token": "That code is not right. Check the app's clock and try "
                                        "the current code."})  # fmt: skip
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _forget_two_factor(user)
    return regenerate_recovery_codes(user=user)


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    """Issue ``RECOVERY_CODE_COUNT`` new single-use codes; earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def disable_two_factor(*, user: User) -> None:
    """Remove the user's authenticator and recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _forget_two_factor(user)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify_login_code(*, user: User, token: str):
    """The device that accepts ``token`` for ``user`` (TOTP, else a recovery code, which is
    used up), or None. Each device's own throttle (django-otp) slows down repeated failures."""
    token = _clean_token(token)
    if not token:
        return None
    candidates: list = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not token.isdigit():
        candidates = list(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in candidates:
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            return device
    return None


def _clean_token(token: str) -> str:
    return "".join(str(token).split()).lower()[:32]
