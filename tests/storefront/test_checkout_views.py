import re

import pytest

from apps.cart.models import Cart
from apps.orders.models import Order
from tests.factories.accounts import UserFactory
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant


def _checkout_token(response) -> str:
    return re.search(r"/checkout/([0-9a-f-]{36})/", response["Location"]).group(1)


@pytest.mark.django_db
def test_guest_checks_out_through_the_storefront_steps(store_client):
    first, second = stocked_variant(price="15.00"), stocked_variant(price="7.50")
    method = ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": first.id, "quantity": 2})
    store_client.post("/cart/add/", {"variant_id": second.id, "quantity": 1})
    assert "37.50" in store_client.get("/cart/").content.decode()

    start = store_client.post("/checkout/")
    token = _checkout_token(start)
    store_client.post(f"/checkout/{token}/contact/", {"email": "guest@example.test"})
    store_client.post(f"/checkout/{token}/shipping/", ADDRESS)
    store_client.post(f"/checkout/{token}/delivery/", {"method": method.id})
    review = store_client.get(f"/checkout/{token}/review/")
    pay = store_client.post(f"/checkout/{token}/pay/")

    order = Order.objects.get()
    assert review.status_code == 200 and "42.50" in review.content.decode()
    assert pay.status_code == 302
    assert order.email == "guest@example.test" and order.total.to_eng_string() == "42.50"
    assert store_client.get(f"/orders/{order.token}/").status_code == 200


@pytest.mark.django_db
def test_checkout_step_errors_are_form_errors_not_500(store_client):
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    token = _checkout_token(store_client.post("/checkout/"))

    bad_email = store_client.post(f"/checkout/{token}/contact/", {"email": "nope"})
    store_client.post(f"/checkout/{token}/contact/", {"email": "ok@example.test"})
    bad_address = store_client.post(f"/checkout/{token}/shipping/", {**ADDRESS, "country": "ZZ"})
    unknown = store_client.get("/checkout/00000000-0000-0000-0000-000000000000/review/")

    assert bad_email.status_code == 200 and "email" in bad_email.context["form"].errors
    assert bad_address.status_code == 200 and "country" in bad_address.context["form"].errors
    assert unknown.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", ["0", "-3", "abc", "1000", "1e9", ""])
def test_cart_add_rejects_bad_quantities(store_client, quantity):
    variant = stocked_variant()

    response = store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": quantity})

    assert response.status_code == 302
    assert not Cart.objects.filter(lines__isnull=False).exists()


@pytest.mark.django_db
def test_someone_elses_checkout_token_is_not_found(store_client, client):
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    token = _checkout_token(store_client.post("/checkout/"))
    stranger = type(store_client)(HTTP_HOST=store_client.defaults["HTTP_HOST"])

    assert stranger.get(f"/checkout/{token}/review/").status_code == 404


@pytest.mark.django_db
def test_login_merges_the_anonymous_cart(store_client):
    variant = stocked_variant()
    UserFactory(email="member@example.test")
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 2})

    store_client.post(
        "/account/login/", {"username": "member@example.test", "password": "Customer-pass-1"}
    )

    cart = Cart.objects.get(user__email="member@example.test", status=Cart.Status.OPEN)
    assert cart.lines.get().quantity == 2


@pytest.mark.django_db
def test_guest_finds_an_order_by_number_and_email_only(store_client):
    from apps.checkout import services as checkout_services
    from tests.shopping import ready_checkout

    order = checkout_services.place_order(
        checkout_id=ready_checkout(lines=[(stocked_variant(), 1)], email="me@x.test").id
    )

    found = store_client.post("/orders/lookup/", {"number": order.number, "email": "ME@x.test"})
    wrong = store_client.post("/orders/lookup/", {"number": order.number, "email": "you@x.test"})

    assert found.status_code == 302 and str(order.token) in found["Location"]
    assert wrong.status_code == 200 and "No order matches" in wrong.content.decode()


@pytest.mark.django_db
def test_customer_signs_up_and_sees_account_page(store_client):
    response = store_client.post(
        "/account/signup/",
        {"email": "new@example.test", "password1": "Longer-pass-77", "password2": "Longer-pass-77"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Your account" in response.content.decode()
