"""Customer sign-up never reveals whether an email has an account: the same page for every
address, and the difference is only in the email that address's inbox receives."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts import customer_signup
from apps.core.throttling import Limit
from apps.storefront import account_views

# The confirmation emails go through the outbox: their task runs inline here.
pytestmark = pytest.mark.usefixtures("eager_tasks")

PASSWORD = "Longer-pass-77"
User = get_user_model()


def _sign_up(client, capture, email: str, password: str = PASSWORD):
    form = {"email": email, "first_name": "Ada", "password1": password, "password2": password}
    with capture(execute=True):
        return client.post("/account/signup/", form)


def _page(response) -> str:
    """The page without what differs on every response (the CSRF token, the nonce)."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r'nonce="[^"]+"', "", body)


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/confirm/[^/\s]+/)", message.body).group(1)


@pytest.mark.django_db
def test_new_and_existing_addresses_get_the_same_page_and_different_emails(
    store_client, django_capture_on_commit_callbacks
):
    User.objects.create_user(email="known@example.test", password=PASSWORD)

    new = _sign_up(store_client, django_capture_on_commit_callbacks, "fresh@example.test")
    known = _sign_up(store_client, django_capture_on_commit_callbacks, "known@example.test")

    assert new.status_code == known.status_code == 200
    assert _page(new).replace("fresh@", "X@") == _page(known).replace("known@", "X@")
    assert "Check your inbox" in _page(new)
    assert [m.to for m in mail.outbox] == [["fresh@example.test"], ["known@example.test"]]
    assert "/account/confirm/" in mail.outbox[0].body
    assert (
        "already has one" in mail.outbox[1].body and "/account/confirm/" not in mail.outbox[1].body
    )
    assert not User.objects.get(email="fresh@example.test").is_active
    assert User.objects.get(email="known@example.test").check_password(PASSWORD)


@pytest.mark.django_db
def test_the_link_confirms_the_account_and_signs_the_shopper_in(
    store_client, django_capture_on_commit_callbacks
):
    _sign_up(store_client, django_capture_on_commit_callbacks, "fresh@example.test")
    assert not store_client.login(email="fresh@example.test", password=PASSWORD)

    page = store_client.get(_link(mail.outbox[0]), follow=True)
    again = store_client.get(_link(mail.outbox[0]), follow=True)

    assert page.status_code == 200 and "Your account" in page.content.decode()
    assert again.status_code == 200
    assert User.objects.get(email="fresh@example.test").is_active


@pytest.mark.django_db
def test_an_address_nobody_confirmed_can_be_claimed_by_its_inbox_owner(
    store_client, django_capture_on_commit_callbacks
):
    _sign_up(
        store_client, django_capture_on_commit_callbacks, "victim@example.test", "Squatter-pass-1"
    )
    _sign_up(store_client, django_capture_on_commit_callbacks, "victim@example.test")

    store_client.get(_link(mail.outbox[1]))

    user = User.objects.get(email="victim@example.test")
    assert user.is_active and user.check_password(PASSWORD)
    assert not user.check_password("Squatter-pass-1")


@pytest.mark.django_db
def test_bad_or_other_stores_links_are_refused_with_400(store, other_store, store_client):
    user = User.objects.create_user(email="fresh@example.test", password=PASSWORD, is_active=False)
    with schema_context(other_store.schema_name):
        foreign = customer_signup.make_token(user)
    connection.set_tenant(store)

    forged = store_client.get("/account/confirm/not-a-token/")
    moved = store_client.get(f"/account/confirm/{foreign}/")

    assert forged.status_code == moved.status_code == 400
    assert "not valid" in forged.content.decode()
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.django_db
def test_a_weak_password_is_refused_the_same_way_for_every_address(
    store_client, django_capture_on_commit_callbacks
):
    User.objects.create_user(email="known@example.test", password=PASSWORD)

    new = _sign_up(store_client, django_capture_on_commit_callbacks, "fresh@example.test", "123")
    known = _sign_up(store_client, django_capture_on_commit_callbacks, "known@example.test", "123")

    assert _page(new).replace("fresh@", "X@") == _page(known).replace("known@", "X@")
    assert "Create an account" in _page(new) and not mail.outbox


@pytest.mark.django_db
def test_sign_ups_past_the_limit_answer_429_and_send_nothing(
    store_client, django_capture_on_commit_callbacks, monkeypatch
):
    limit = Limit("customer-signup-test", 2, 3600)
    monkeypatch.setattr(account_views, "CUSTOMER_SIGNUPS", limit)
    cache.delete_pattern("*customer-signup-test*")

    answers = [
        _sign_up(store_client, django_capture_on_commit_callbacks, f"n{i}@example.test")
        for i in range(3)
    ]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"] == "3600" and len(mail.outbox) == 2
    cache.delete_pattern("*customer-signup-test*")
