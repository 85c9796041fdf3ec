"""A returning customer checks out with a saved address in one click (issue 23)."""

import re

from django.contrib.auth.hashers import Argon2PasswordHasher

from apps.checkout import address_book
from apps.orders.models import Order
from tests.browser.shop import open_shop
from tests.factories.accounts import UserFactory
from tests.shopping import ADDRESS


def test_returning_customer_checks_out_with_the_saved_address_in_one_click(
    committed_store, live_web, open_page
):
    open_shop()
    user = UserFactory(email="returning@example.test")
    # The test process hashes with MD5 (tests/conftest.py); the server verifies with its own
    # hashers, Argon2 first.
    argon2 = Argon2PasswordHasher()
    user.password = argon2.encode("Customer-pass-1", argon2.salt())
    user.save(update_fields=["password"])
    address_book.save_address(user_id=user.id, address={**ADDRESS, "line1": "7 Saved Street"})
    page = open_page()

    page.goto(live_web.url(committed_store.primary_host, "/account/login/"))
    page.get_by_label("Email").fill("returning@example.test")
    page.get_by_label("Password").fill("Customer-pass-1")
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.wait_for_url(re.compile(r"/account/$"))
    page.goto(live_web.url(committed_store.primary_host, "/products/harbour-mug/"))
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    page.get_by_role("button", name="Check out").click()
    page.wait_for_url(re.compile(r"/checkout/[0-9a-f-]{36}/"))

    saved = page.get_by_role("radio", name=re.compile("7 Saved Street"))
    assert saved.is_checked()
    # The address step is this one click: nothing typed, nothing chosen.
    page.get_by_role("button", name="Continue to payment").click()

    page.wait_for_url(re.compile(r"/payments/"))
    order = Order.objects.get(user=user)
    assert order.shipping_address["line1"] == "7 Saved Street"
    assert order.email == "returning@example.test"
