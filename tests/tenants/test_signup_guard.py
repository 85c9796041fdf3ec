"""Store signup: throttled per address, never says whether an email exists, and the new owner
confirms their email (signed link) before the store can take live payments."""

import re

import pytest
from django.conf import settings
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.core import store_cache
from apps.payments import services as payment_services
from apps.payments.exceptions import LivePaymentsNotConfirmed
from apps.payments.gateways import registry
from apps.payments.gateways.base import GatewayConfig
from apps.preferences.selectors import get_store_settings
from apps.tenants import confirmation, selectors
from apps.tenants.models import Store
from tests.conftest import STORE_SPEC

# The confirmation emails go through the outbox: their task runs inline here.
pytestmark = pytest.mark.usefixtures("eager_tasks")

PASSWORD = "Owner-pass-2026!"
LINK = re.compile(r"http://localhost(?::\d+)?(/signup/confirm/[^/\s]+/)")


def _signup(client: Client, slug: str, email: str):
    return client.post("/signup/", {
        "name": f"Shop {slug}", "slug": slug, "owner_email": email,
        "owner_password": PASSWORD, "owner_password_confirm": PASSWORD,
    })  # fmt: skip


def _platform(ip: str) -> Client:
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_signups_past_the_limit_answer_429_for_that_address(public_schema):
    limit = settings.STORE_SIGNUPS_PER_IP
    client = _platform("203.0.113.50")
    # Invalid signups count too (each costs password hashing and validation).
    answers = [
        client.post("/signup/", {"name": "", "slug": f"x{n}"}).status_code for n in range(limit)
    ]

    refused = _signup(client, "guard-refused", "someone@example.test")
    elsewhere = _signup(_platform("198.51.100.60"), "guard-allowed", "else@example.test")

    assert answers == [200] * limit
    assert refused.status_code == 429
    assert "Too many stores opened from your network" in refused.content.decode()
    assert not Store.objects.filter(schema_name="guard-refused").exists()
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_signup_with_an_email_that_owns_a_store_answers_like_any_other(public_schema):
    existing = _signup(_platform("192.0.2.1"), "guard-one", STORE_SPEC["owner_email"])
    fresh = _signup(_platform("192.0.2.2"), "guard-two", "new-owner@example.test")
    bad_existing = _platform("192.0.2.3").post("/signup/", {
        "name": "x", "slug": "guard-three", "owner_email": STORE_SPEC["owner_email"],
        "owner_password": "short", "owner_password_confirm": "short"})  # fmt: skip
    bad_fresh = _platform("192.0.2.4").post("/signup/", {
        "name": "x", "slug": "guard-four", "owner_email": "nobody@example.test",
        "owner_password": "short", "owner_password_confirm": "short"})  # fmt: skip

    assert existing.status_code == fresh.status_code == 302
    assert bad_existing.status_code == bad_fresh.status_code == 200

    def errors(response) -> list[str]:
        return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())

    assert errors(bad_existing) == errors(bad_fresh)
    assert "exist" not in bad_existing.content.decode().lower()


@pytest.mark.django_db
def test_the_owner_confirms_by_the_emailed_link_and_only_then_takes_live_payments(
    public_schema, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = _signup(_platform("192.0.2.10"), "guard-live", "live@example.test")
    store = Store.objects.get(schema_name="guard-live")
    message = mail.outbox[-1]
    path = LINK.search(message.body).group(1)

    assert answer.status_code == 302
    assert message.to == ["live@example.test"]
    assert store.owner_email_confirmed_at is None
    with schema_context("guard-live"):
        assert registry.mode_not_allowed("stripe", _live_keys()) == registry.OWNER_NOT_CONFIRMED
        with override_settings(ALLOW_TEST_PAYMENTS=True):
            payment_services.check_store_takes_payments()  # test mode works before

    forged = _platform("192.0.2.11").get("/signup/confirm/not-a-token/")
    confirmed = _platform("192.0.2.11").get(path)
    store.refresh_from_db()

    assert forged.status_code == 400
    assert confirmed.status_code == 200
    assert "your email is confirmed" in confirmed.content.decode()
    assert store.owner_email_confirmed_at is not None
    with schema_context("guard-live"):
        assert registry.mode_not_allowed("stripe", _live_keys()) == ""


@pytest.mark.django_db
def test_live_mode_is_refused_until_the_owner_confirms(store):
    store_settings = get_store_settings()
    store_settings.payment_gateway = "stripe"
    store_settings.save()
    with override_settings(ALLOW_LIVE_PAYMENTS=True):
        payment_services.update_gateway_settings(
            gateway_name="stripe", values={"publishable_key": "pk_live_abc"},
            secrets={"secret_key": "sk_live_abc"},
        )  # fmt: skip
    Store.objects.filter(pk=store.pk).update(owner_email_confirmed_at=None)
    store_cache.clear_all()

    with pytest.raises(LivePaymentsNotConfirmed) as refused:
        payment_services.check_store_takes_payments()
    Store.objects.filter(pk=store.pk).update(owner_email_confirmed_at=timezone.now())
    payment_services.check_store_takes_payments()  # confirmed: no error

    assert refused.value.http_status == 402
    assert refused.value.code == "owner_email_not_confirmed"


@pytest.mark.django_db
def test_an_expired_or_foreign_link_confirms_nothing(store, monkeypatch):
    Store.objects.filter(pk=store.pk).update(owner_email_confirmed_at=None)
    token = confirmation.make_token(store=store, owner_email="owner@teststore.test")
    other_salt = signing.dumps({"store": store.pk, "email": "x@y.z"}, salt="something-else")
    monkeypatch.setattr(confirmation, "LINK_DAYS", -1)  # every link is past its validity

    with pytest.raises(ValidationError) as expired:
        confirmation.confirm_owner_email(token=token)
    with pytest.raises(ValidationError) as foreign:
        confirmation.confirm_owner_email(token=other_salt)

    assert expired.value.code == "expired"
    assert foreign.value.code == "invalid"
    assert not selectors.owner_email_confirmed(store.pk)


def _live_keys():
    return GatewayConfig(values={"publishable_key": "pk_live_abc"},
                         secrets={"secret_key": "sk_live_abc"})  # fmt: skip
