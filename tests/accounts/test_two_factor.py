"""Two-factor sign-in for staff (django-otp), browser-free: enrol from the admin, sign in with
a TOTP code computed here, recovery codes work once, owners and the platform can require it."""

import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services as account_services
from apps.accounts import two_factor
from apps.core import store_cache
from apps.preferences.models import StoreSettings

EMAIL = "clerk@example.test"
PASSWORD = "Clerk-pass-2026!"
CODES = re.compile(r"<li><code>([a-z0-9]+)</code></li>")


def _code(device: TOTPDevice, *, drift: int = 0) -> str:
    """The code the authenticator app shows now (``drift=1``: the next 30-second step; a code
    is accepted once, so a second sign-in within a step uses the next one)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                 drift=drift)  # fmt: skip
    return f"{value:0{device.digits}d}"


def _login(host: str, token: str = "") -> tuple[Client, object]:
    client = Client(HTTP_HOST=host)
    data = {"username": EMAIL, "password": PASSWORD, "next": "/admin/"}
    if token:
        data["otp_token"] = token
    return client, client.post("/admin/login/", data)


def _enrol(host: str) -> tuple[TOTPDevice, list[str]]:
    """Sign in with the password, set up an authenticator, confirm it with its current code."""
    client, _ = _login(host)
    client.post("/admin/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user__email=EMAIL, confirmed=False)
    page = client.post("/admin/two-factor/", {"action": "confirm", "token": _code(device)})
    device.refresh_from_db()
    return device, CODES.findall(page.content.decode())


@pytest.fixture
def clerk(store):
    return account_services.invite_staff(email=EMAIL, role="staff", password=PASSWORD)


@pytest.fixture
def host(store) -> str:
    return store.primary_host


@pytest.mark.django_db
def test_the_enrolment_page_shows_the_secret_and_otpauth_uri(clerk, host):
    client, _ = _login(host)

    page = client.post("/admin/two-factor/", {"action": "start"})

    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    body = page.content.decode()
    assert two_factor.totp_secret(device) in body
    assert "otpauth://totp/Mercato" in body
    assert not two_factor.has_two_factor(clerk)


@pytest.mark.django_db
def test_a_wrong_confirmation_code_enrols_nothing(clerk, host):
    client, _ = _login(host)
    client.post("/admin/two-factor/", {"action": "start"})

    page = client.post("/admin/two-factor/", {"action": "confirm", "token": "12345x"})

    assert page.status_code == 400
    assert "That code is not right" in page.content.decode()
    assert not two_factor.has_two_factor(clerk)


@pytest.mark.django_db
def test_after_enrolment_the_admin_login_needs_the_authenticator_code(clerk, host):
    device, codes = _enrol(host)

    signed_in, with_code = _login(host, _code(device, drift=1))
    dashboard = signed_in.get("/admin/")
    _, no_code = _login(host)
    _, wrong_code = _login(host, "000000")

    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    assert no_code.status_code == wrong_code.status_code == 200
    assert "Enter the code from your authenticator app" in no_code.content.decode()
    assert "That authentication code is not right" in wrong_code.content.decode()
    assert with_code.status_code == 302
    assert dashboard.status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once(clerk, host):
    _, codes = _enrol(host)

    first, first_answer = _login(host, codes[0])
    _, another = _login(host, codes[1].upper())
    _, second_answer = _login(host, codes[0])

    assert first_answer.status_code == 302
    assert first.get("/admin/").status_code == 200
    assert second_answer.status_code == 200  # used up
    assert another.status_code == 302
    assert two_factor.recovery_codes_left(clerk) == two_factor.RECOVERY_CODE_COUNT - 2


@pytest.mark.django_db
def test_a_storefront_session_of_an_enrolled_staff_member_does_not_open_the_admin(clerk, host):
    _enrol(host)
    shopper = Client(HTTP_HOST=host)
    shopper.post("/account/login/", {"username": EMAIL, "password": PASSWORD})

    admin_page = shopper.get("/admin/")

    assert shopper.get("/account/").status_code == 200  # signed in on the storefront
    assert admin_page.status_code == 302
    assert admin_page["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_an_owner_can_require_two_factor_for_the_stores_staff(clerk, host):
    StoreSettings.objects.update_or_create(pk=1, defaults={"require_staff_two_factor": True})
    store_cache.clear_all()
    client, answer = _login(host)

    dashboard = client.get("/admin/")
    orders = client.get("/admin/orders/order/")
    enrol_page = client.get("/admin/two-factor/")

    assert answer.status_code == 302  # the password is right; no authenticator yet
    assert dashboard.status_code == orders.status_code == 302
    assert dashboard["Location"] == orders["Location"] == "/admin/two-factor/"
    assert enrol_page.status_code == 200
    assert "Two-factor sign-in is required here" in enrol_page.content.decode()

    client.post("/admin/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    client.post("/admin/two-factor/", {"action": "confirm", "token": _code(device)})

    assert client.get("/admin/").status_code == 200  # this session proved the code


@pytest.mark.django_db
def test_the_platform_admin_requires_two_factor_when_configured(public_schema):
    get_user_model().objects.create_superuser(email=EMAIL, password=PASSWORD)
    with override_settings(PLATFORM_ADMIN_REQUIRE_2FA=True):
        client, answer = _login(settings.PLATFORM_DOMAIN)
        index = client.get("/admin/")
        enrol = client.get("/admin/two-factor/")
    with override_settings(PLATFORM_ADMIN_REQUIRE_2FA=False):
        relaxed = client.get("/admin/")

    assert answer.status_code == 302
    assert index.status_code == 302 and index["Location"] == "/admin/two-factor/"
    assert enrol.status_code == 200
    assert relaxed.status_code == 200


def test_platform_admin_two_factor_defaults_to_on_without_debug():
    code = "from django.conf import settings; print(settings.PLATFORM_ADMIN_REQUIRE_2FA)"
    outputs = {}
    for debug in ("0", "1"):
        env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": debug, "PATH": "/usr/bin"}
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={**env, "DATABASE_URL": "postgresql://x@127.0.0.1/x"},
            cwd=settings.BASE_DIR, capture_output=True, text=True, check=True,
        )  # fmt: skip
        outputs[debug] = result.stdout.strip()

    assert outputs == {"0": "True", "1": "False"}
