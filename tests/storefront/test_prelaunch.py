"""The pre-launch storefront password: visitors type it once; staff, the API and payment
webhooks never; launching opens the store; the checklist ticks itself from the store's data."""

import pytest
from django.test import Client

from apps.core import store_cache
from apps.dashboard import onboarding
from apps.dashboard import services as dashboard_services
from apps.preferences.models import StoreSettings
from tests.shopping import stocked_variant


@pytest.fixture
def locked_store(store):
    StoreSettings.objects.update_or_create(
        pk=StoreSettings.SINGLETON_PK, defaults={"storefront_password": "open-sesame"}
    )
    return store


@pytest.mark.django_db
def test_visitor_is_asked_for_the_password_then_browses(locked_store):
    visitor = Client(HTTP_HOST=locked_store.primary_host)
    variant = stocked_variant()
    url = variant.product.get_absolute_url()

    blocked = visitor.get(url)
    wrong = visitor.post("/password/", {"password": "nope", "next": url})
    right = visitor.post("/password/", {"password": "open-sesame", "next": url})
    after = visitor.get(url)

    assert blocked.status_code == 302 and blocked["Location"].startswith("/password/?next=")
    assert wrong.status_code == 403 and "That is not the password." in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == url
    assert after.status_code == 200


@pytest.mark.django_db
def test_password_page_ignores_an_offsite_next(locked_store):
    visitor = Client(HTTP_HOST=locked_store.primary_host)

    response = visitor.post("/password/", {"password": "open-sesame", "next": "https://evil.test/"})

    assert response["Location"] == "/"


@pytest.mark.django_db
def test_staff_api_and_payment_webhooks_are_never_asked(locked_store, store_client):
    from django.contrib.auth import get_user_model

    from tests.conftest import STORE_SPEC

    anonymous = Client(HTTP_HOST=locked_store.primary_host)
    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))

    assert store_client.get("/").status_code == 200
    assert anonymous.get("/api/v1/products").status_code != 302
    assert anonymous.post("/payments/stripe/webhook/", data=b"{}",
                          content_type="application/json").status_code != 302  # fmt: skip
    assert anonymous.get("/admin/login/").status_code == 200


@pytest.mark.django_db
def test_launch_opens_the_storefront_and_changing_the_password_signs_visitors_out(locked_store):
    visitor = Client(HTTP_HOST=locked_store.primary_host)
    visitor.post("/password/", {"password": "open-sesame", "next": "/"})
    StoreSettings.objects.filter(pk=1).update(storefront_password="new-one")
    store_cache.clear_all()  # as a save through the model would (the update bypasses signals)
    asked_again = visitor.get("/")

    dashboard_services.launch_store()
    dashboard_services.launch_store()  # twice is harmless
    opened = Client(HTTP_HOST=locked_store.primary_host).get("/")

    assert asked_again.status_code == 302
    assert opened.status_code == 200


@pytest.mark.django_db
def test_checklist_ticks_itself_from_the_store_data(store):
    before = {step.key: step.done for step in onboarding.get_checklist().steps}

    stocked_variant()
    after = {step.key: step.done for step in onboarding.get_checklist().steps}

    assert before["product"] is False and before["stock"] is False and before["launch"] is False
    assert after["product"] is True and after["stock"] is True
    assert after["payments"] is True  # the test gateway needs no keys


@pytest.mark.django_db
def test_dashboard_shows_the_checklist_and_its_launch_button(store_client):
    from django.contrib.auth import get_user_model

    from tests.conftest import STORE_SPEC

    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))

    html = store_client.get("/admin/").content.decode()
    launched = store_client.post("/admin/launch/")
    after = store_client.get("/admin/").content.decode()

    assert "Your first sale" in html and "Launch store" in html
    assert launched.status_code == 302
    assert "Your first sale" not in after
