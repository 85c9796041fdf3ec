"""The customer address book: account pages (owner-only) and its use at checkout."""

import re

import pytest

from apps.checkout import address_book
from apps.checkout.models import SavedAddress
from apps.orders.models import Order
from tests.factories.accounts import UserFactory
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant


def _signed_in(client, **kwargs):
    user = UserFactory(**kwargs)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_customer_adds_edits_and_deletes_addresses_with_defaults(store_client):
    user = _signed_in(store_client)

    response = store_client.post("/account/addresses/new/", {**ADDRESS})
    assert response.status_code == 302
    first = SavedAddress.objects.get(user=user)
    assert first.is_default_shipping and first.is_default_billing  # the first is the default

    store_client.post(
        "/account/addresses/new/",
        {**ADDRESS, "line1": "1 Second Road", "is_default_shipping": "on"},
    )
    second = SavedAddress.objects.get(user=user, line1="1 Second Road")
    first.refresh_from_db()
    assert second.is_default_shipping and not first.is_default_shipping
    assert first.is_default_billing and not second.is_default_billing

    store_client.post(f"/account/addresses/{first.id}/", {**ADDRESS, "city": "Shelbyville"})
    first.refresh_from_db()
    assert first.city == "Shelbyville"
    page = store_client.get("/account/addresses/").content.decode()
    assert "Shelbyville" in page and "1 Second Road" in page

    store_client.post(f"/account/addresses/{second.id}/delete/")
    first.refresh_from_db()
    assert first.is_default_shipping  # the default passed on
    assert list(SavedAddress.objects.filter(user=user)) == [first]


@pytest.mark.django_db
def test_bad_address_is_a_form_error_not_a_500(store_client):
    _signed_in(store_client)
    response = store_client.post("/account/addresses/new/", {**ADDRESS, "postal_code": "?!"})
    assert response.status_code == 200
    assert "Enter a valid postal code." in response.content.decode()
    assert not SavedAddress.objects.exists()


@pytest.mark.django_db
def test_another_customers_address_is_not_found(store_client):
    other = UserFactory()
    theirs = address_book.save_address(user_id=other.id, address=ADDRESS)
    _signed_in(store_client)

    assert store_client.get(f"/account/addresses/{theirs.id}/").status_code == 404
    assert store_client.post(f"/account/addresses/{theirs.id}/", ADDRESS).status_code == 404
    assert store_client.post(f"/account/addresses/{theirs.id}/delete/").status_code == 404
    assert SavedAddress.objects.filter(pk=theirs.pk, line1=ADDRESS["line1"]).exists()
    assert store_client.get("/account/addresses/").status_code == 200


@pytest.mark.django_db
def test_guests_are_sent_to_sign_in(client, store):
    response = client.get("/account/addresses/", HTTP_HOST=store.primary_host)
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def _checkout_page(client, variant) -> str:
    client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})
    start = client.post("/checkout/")
    token = re.search(r"/checkout/([0-9a-f-]{36})/", start["Location"]).group(1)
    return f"/checkout/{token}/"


@pytest.mark.django_db
def test_checkout_preselects_the_default_address_and_uses_a_chosen_one(store_client):
    user = _signed_in(store_client, email="back@example.test")
    method = ShippingMethodFactory()
    default = address_book.save_address(user_id=user.id, address=ADDRESS)
    other = address_book.save_address(user_id=user.id, address={**ADDRESS, "line1": "9 Other St"})
    page_url = _checkout_page(store_client, stocked_variant())

    page = store_client.get(page_url).content.decode()
    assert re.search(rf'value="{default.id}"[^>]*checked', page)
    assert ADDRESS["line1"] in page

    response = store_client.post(
        page_url,
        {"email": user.email, **ADDRESS, "method": method.id, "saved_address": str(other.id),
         "action": "pay"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Order.objects.get().shipping_address["line1"] == "9 Other St"


@pytest.mark.django_db
def test_checkout_saves_a_new_address_when_asked(store_client):
    user = _signed_in(store_client)
    method = ShippingMethodFactory()
    page_url = _checkout_page(store_client, stocked_variant())

    store_client.post(
        page_url,
        {"email": user.email, **ADDRESS, "method": method.id, "save_address": "on",
         "action": "pay"},
    )  # fmt: skip

    saved = SavedAddress.objects.get(user=user)
    assert saved.line1 == ADDRESS["line1"] and saved.is_default_shipping


@pytest.mark.django_db
def test_checkout_refuses_another_customers_saved_address(store_client):
    theirs = address_book.save_address(user_id=UserFactory().id, address=ADDRESS)
    user = _signed_in(store_client)
    method = ShippingMethodFactory()
    page_url = _checkout_page(store_client, stocked_variant())

    response = store_client.post(
        page_url,
        {"email": user.email, **ADDRESS, "method": method.id, "saved_address": str(theirs.id),
         "action": "pay"},
    )  # fmt: skip
    assert response.status_code == 404
    assert not Order.objects.exists()
