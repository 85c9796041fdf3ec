"""Login guessing (django-axes): 30 wrong passwords on each login lock that account for that
client address, for a finite cool-off, with a clear 429 page; other addresses, and the same
email on another store, are not locked."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

EMAIL = "merchant@example.test"
PASSWORD = "Right-pass-2026!"
ATTACKER = "203.0.113.7"
MERCHANT = "198.51.100.20"

# (login path, the host fixture, make the account as)
LOGINS = {
    "storefront": ("/account/login/", "store", "customer"),
    "store admin": ("/admin/login/", "store", "staff"),
    "platform admin": ("/admin/login/", "platform", "staff"),
}


def _make_account(kind: str) -> None:
    User = get_user_model()
    if kind == "staff":
        User.objects.create_superuser(email=EMAIL, password=PASSWORD)
    else:
        User.objects.create_user(email=EMAIL, password=PASSWORD)


def _client(host: str, ip: str) -> Client:
    return Client(HTTP_HOST=host, REMOTE_ADDR=ip)


def _host(which: str, store) -> str:
    return store.primary_host if which == "store" else settings.PLATFORM_DOMAIN


def _try(client: Client, path: str, password: str):
    return client.post(path, {"username": EMAIL, "password": password})


def _signed_in(response) -> bool:
    return response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("login", list(LOGINS))
def test_thirty_wrong_passwords_lock_the_account_for_that_address_with_a_clear_page(login, store):
    path, which, kind = LOGINS[login]
    schema = store.schema_name if which == "store" else "public"
    with schema_context(schema):
        _make_account(kind)
    attacker = _client(_host(which, store), ATTACKER)

    answers = [_try(attacker, path, f"guess-{n}").status_code for n in range(30)]
    right_password = _try(attacker, path, PASSWORD)

    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # the form, with its error
    assert answers[limit - 1 :] == [429] * (30 - limit + 1)
    assert right_password.status_code == 429
    page = right_password.content.decode()
    assert "Too many sign-in attempts" in page
    assert "Please wait 15 minutes" in page
    assert right_password["Retry-After"] == "900"


@pytest.mark.django_db
@pytest.mark.parametrize("login", list(LOGINS))
def test_the_merchant_signs_in_from_another_address_while_the_guesser_is_locked_out(login, store):
    path, which, kind = LOGINS[login]
    schema = store.schema_name if which == "store" else "public"
    with schema_context(schema):
        _make_account(kind)
    host = _host(which, store)
    attacker = _client(host, ATTACKER)
    for n in range(30):
        _try(attacker, path, f"guess-{n}")

    merchant = _try(_client(host, MERCHANT), path, PASSWORD)

    assert _signed_in(merchant)


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off(store):
    _make_account("staff")
    attacker = _client(store.primary_host, ATTACKER)
    for n in range(30):
        _try(attacker, "/admin/login/", f"guess-{n}")
    assert _try(attacker, "/admin/login/", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    after = _try(attacker, "/admin/login/", PASSWORD)

    assert _signed_in(after)


@pytest.mark.django_db
def test_guessing_on_one_store_does_not_lock_the_same_email_on_another(store, other_store):
    _make_account("customer")
    with schema_context(other_store.schema_name):
        _make_account("customer")
    attacker = _client(store.primary_host, ATTACKER)
    for n in range(30):
        _try(attacker, "/account/login/", f"guess-{n}")

    same_ip_other_store = _try(_client(other_store.primary_host, ATTACKER), "/account/login/",
                               PASSWORD)  # fmt: skip

    assert _try(attacker, "/account/login/", PASSWORD).status_code == 429
    assert _signed_in(same_ip_other_store)
    assert AccessAttempt.objects.filter(username=EMAIL).count() == 1  # this store's schema
    with schema_context(other_store.schema_name):
        assert not AccessAttempt.objects.filter(username=EMAIL, failures_since_start__gt=0)


@pytest.mark.django_db
def test_case_and_spaces_of_the_email_do_not_reset_the_count(store):
    _make_account("customer")
    attacker = _client(store.primary_host, ATTACKER)
    variants = [EMAIL, EMAIL.upper(), f"  {EMAIL} ", EMAIL.title()]

    for n in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/account/login/", {"username": variants[n % 4], "password": "nope"})

    assert _try(attacker, "/account/login/", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_right_password_resets_the_count(store):
    _make_account("customer")
    client = _client(store.primary_host, MERCHANT)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(client, "/account/login/", f"typo-{n}")

    assert _signed_in(_try(client, "/account/login/", PASSWORD))
    client.logout()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(client, "/account/login/", f"typo-again-{n}")

    assert _signed_in(_try(client, "/account/login/", PASSWORD))
