"""The store settings page tells an owner whose email is unconfirmed that live payments wait for
it, and sends the link again; live keys are a form error until then."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from apps.tenants import selectors as tenant_selectors
from apps.tenants.models import Store
from tests.conftest import STORE_SPEC
from tests.dashboard.test_roles_and_settings import _settings_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def unconfirmed(store):
    Store.objects.filter(pk=store.pk).update(owner_email_confirmed_at=None)
    return store


def test_an_unconfirmed_owner_gets_the_link_again_and_confirming_allows_live_keys(
    unconfirmed, owner_client, django_capture_on_commit_callbacks
):
    page = owner_client.get("/admin/store-settings/").content.decode()
    live = _settings_form(payment_gateway="stripe", stripe_publishable_key="pk_live_abc",
                          stripe_secret_key="sk_live_abc")  # fmt: skip
    with override_settings(ALLOW_LIVE_PAYMENTS=True):
        refused = owner_client.post("/admin/store-settings/", live)
    with django_capture_on_commit_callbacks(execute=True):
        resent = owner_client.post("/admin/store-settings/confirm-email/")
    path = re.search(r"http://localhost(?::\d+)?(/signup/confirm/\S+/)", mail.outbox[-1].body)[1]
    Client(HTTP_HOST=settings.PLATFORM_DOMAIN).get(path)
    with override_settings(ALLOW_LIVE_PAYMENTS=True):
        accepted = owner_client.post("/admin/store-settings/", live)

    assert "Send the link again" in page
    assert refused.status_code == 200
    assert "until its owner confirms their email" in refused.content.decode()
    assert resent.status_code == 302
    assert mail.outbox[-1].to == [STORE_SPEC["owner_email"]]
    assert tenant_selectors.owner_email_confirmed(unconfirmed.pk)
    assert accepted.status_code == 302
