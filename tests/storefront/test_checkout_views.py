import re
from decimal import Decimal

import pytest
from django.core import mail

from apps.cart.models import Cart
from apps.checkout import promotions
from apps.checkout.models import Checkout, Promotion
from apps.orders.models import Order
from tests.factories.accounts import UserFactory
from tests.factories.checkout import PromotionFactory, ShippingMethodFactory
from tests.shopping import ADDRESS, stocked_variant


def _checkout_token(response) -> str:
    return re.search(r"/checkout/([0-9a-f-]{36})/", response["Location"]).group(1)


def _page(client) -> str:
    """Start checking out the client's cart; the checkout page's path."""
    start = client.post("/checkout/")
    return f"/checkout/{_checkout_token(start)}/"


def _form(shipping, **overrides) -> dict:
    return {"email": "guest@example.test", **ADDRESS, "method": shipping.id} | overrides


@pytest.mark.django_db
def test_guest_checks_out_on_one_page(store_client):
    first, second = stocked_variant(price="15.00"), stocked_variant(price="7.50")
    method = ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": first.id, "quantity": 2})
    store_client.post("/cart/add/", {"variant_id": second.id, "quantity": 1})
    assert "37.50" in store_client.get("/cart/").content.decode()

    page_url = _page(store_client)
    page = store_client.get(page_url)
    pay = store_client.post(page_url, {**_form(method), "action": "pay"})

    order = Order.objects.get()
    payment = order.payments.get()
    assert page.status_code == 200 and "42.50" in page.content.decode()  # 37.50 + 5.00 shipping
    assert 'value="US" selected' in page.content.decode()  # the store's country to start with
    assert pay.status_code == 302 and pay["Location"] == f"/payments/{payment.token}/"
    assert order.email == "guest@example.test" and order.total.to_eng_string() == "42.50"
    assert payment.status == "pending" and payment.amount == order.total
    assert order.lines.count() == 2
    assert Cart.objects.get().status == Cart.Status.ORDERED
    assert store_client.get(f"/orders/{order.token}/").status_code == 200


@pytest.mark.django_db
def test_checkout_page_errors_are_form_errors_not_500(store_client):
    method = ShippingMethodFactory()  # serves the US only
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    page_url = _page(store_client)

    bad_email = store_client.post(page_url, _form(method, email="nope"))
    bad_country = store_client.post(page_url, _form(method, country="ZZ"))
    unserved = store_client.post(page_url, _form(method, country="FR"))
    bad_voucher = store_client.post(page_url, _form(method, voucher="NOSUCH"))
    no_method = store_client.post(page_url, _form(method, method=""))
    garbage_method = store_client.post(page_url, _form(method, method="1; DROP TABLE"))
    unknown = store_client.get("/checkout/00000000-0000-0000-0000-000000000000/")

    for response in (bad_email, bad_country, unserved, bad_voucher, no_method, garbage_method):
        assert response.status_code == 200
    assert "email" in bad_email.context["form"].errors
    assert "country" in bad_country.context["form"].errors
    assert "method" in unserved.context["form"].errors
    assert "voucher" in bad_voucher.context["form"].errors
    assert "method" in no_method.context["form"].errors
    assert "method" in garbage_method.context["form"].errors
    assert "We do not ship to this country yet" in unserved.content.decode()
    assert unknown.status_code == 404
    assert not Order.objects.exists()
    assert Cart.objects.get().status == Cart.Status.OPEN  # nothing was saved by the attempts


@pytest.mark.django_db
def test_update_saves_the_valid_parts_and_shows_the_country_s_delivery_options(store_client):
    us = ShippingMethodFactory(name="US post")
    france = ShippingMethodFactory(name="La Poste", zone__countries=["FR"])
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    page_url = _page(store_client)

    # Only an email and another country so far: the page shows that country's options.
    updated = store_client.post(
        page_url, {"email": "later@example.test", "country": "FR", "action": "update"}
    )
    complete = store_client.post(page_url, {**_form(us, country="FR"), "action": "update"})
    page = store_client.get(page_url).content.decode()

    assert updated.status_code == 200 and not updated.context["form"].errors
    assert "La Poste" in updated.content.decode() and "US post" not in updated.content.decode()
    assert complete.status_code == 302 and complete["Location"] == page_url
    assert "La Poste" in page and 'value="later@example.test"' not in page
    assert Checkout.objects.get().email == "guest@example.test"
    assert Checkout.objects.get().shipping_method_id is None  # US post does not serve France
    assert france.id != us.id


@pytest.mark.django_db
def test_a_voucher_applies_on_the_page_and_is_redeemed_once_with_the_order(store_client):
    from decimal import Decimal

    from apps.checkout.models import Voucher

    voucher = Voucher.objects.create(
        code="ONCE", kind=Voucher.Kind.FIXED, value=Decimal("5"), usage_limit=1
    )
    method = ShippingMethodFactory()
    store_client.post(
        "/cart/add/", {"variant_id": stocked_variant(price="20.00").id, "quantity": 1}
    )
    page_url = _page(store_client)

    applied = store_client.post(page_url, {**_form(method, voucher="once"), "action": "update"})
    page = store_client.get(page_url).content.decode()
    paid = store_client.post(page_url, _form(method, voucher="once"))

    voucher.refresh_from_db()
    order = Order.objects.get()
    assert applied.status_code == 302 and "20.00" in page and "−5.00" in page
    assert paid.status_code == 302
    assert (order.discount_total, order.voucher_code, voucher.times_used) == (
        Decimal("5.00"), "ONCE", 1,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_used_up_voucher_is_a_form_error_and_nothing_is_ordered(store_client):
    from decimal import Decimal

    from apps.checkout.models import Voucher

    Voucher.objects.create(
        code="GONE", kind=Voucher.Kind.FIXED, value=Decimal("5"), usage_limit=1, times_used=1
    )
    method = ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    page_url = _page(store_client)

    response = store_client.post(page_url, _form(method, voucher="GONE"))

    assert response.status_code == 200
    assert "fully used" in str(response.context["form"].errors["voucher"])
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_placing_twice_makes_one_order(store_client):
    method = ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    page_url = _page(store_client)

    first = store_client.post(page_url, _form(method))
    # A second submit (double click) finds the cart ordered: the shopper's cart is empty now.
    second = store_client.post(page_url, _form(method))

    assert first.status_code == 302 and Order.objects.count() == 1
    assert second.status_code == 404


@pytest.mark.django_db
def test_the_old_step_urls_lead_to_the_checkout_page(store_client):
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    page_url = _page(store_client)

    for step in ("contact", "shipping", "delivery", "review"):
        response = store_client.get(f"{page_url}{step}/")
        assert response.status_code == 302 and response["Location"] == page_url


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [1, 5])
def test_placing_the_order_costs_a_bounded_number_of_queries_whatever_the_lines(
    store_client, lines, django_assert_max_num_queries
):
    method = ShippingMethodFactory()
    for _ in range(lines):
        store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    page_url = _page(store_client)
    store_client.get(page_url)  # warms the store's cached configuration

    # 25 is issue #5's budget; reserve() still sends a statement per line, for now.
    with django_assert_max_num_queries(25):
        response = store_client.post(page_url, _form(method))

    assert response.status_code == 302 and Order.objects.get().lines.count() == lines


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [1, 5])
def test_placing_the_order_with_two_promotions_active_stays_within_the_bound(
    store_client, lines, django_assert_max_num_queries
):
    method = ShippingMethodFactory()
    variants = [stocked_variant() for _ in range(lines)]
    PromotionFactory(name="20 % off", value=Decimal("20"), combines_with_promotions=True)
    bogo = PromotionFactory(
        name="Buy 1 get 1 free", kind=Promotion.Kind.BUY_X_GET_Y, value=Decimal("100"),
        buy_quantity=1, get_quantity=1, priority=5, combines_with_promotions=True,
        applies_to=Promotion.AppliesTo.PRODUCTS,
    )  # fmt: skip
    promotions.set_promotion_targets(promotion=bogo, product_ids=[v.product_id for v in variants])
    for variant in variants:
        store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 2})
    page_url = _page(store_client)
    store_client.get(page_url)  # warms the store's cached configuration and promotion rules

    # Issue #5's budget, as without promotions: the rules come from the cache and the discount
    # allocations are one INSERT (measured: 12 statements before promotions, 13 with these two).
    with django_assert_max_num_queries(25):
        response = store_client.post(page_url, _form(method))

    order = Order.objects.get()
    assert response.status_code == 302 and order.lines.count() == lines
    # Half the units free (the cheapest: here the last lines'), then 20 % off the rest.
    assert order.discount_total == Decimal("24.00") * lines
    assert sum(d.amount for d in order.discounts.all()) == order.discount_total


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

    assert stranger.get(f"/checkout/{token}/").status_code == 404


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
        checkout=ready_checkout(lines=[(stocked_variant(), 1)], email="me@x.test")
    ).order

    found = store_client.post("/orders/lookup/", {"number": order.number, "email": "ME@x.test"})
    wrong = store_client.post("/orders/lookup/", {"number": order.number, "email": "you@x.test"})

    assert found.status_code == 302 and str(order.token) in found["Location"]
    assert wrong.status_code == 200 and "No order matches" in wrong.content.decode()


@pytest.mark.django_db
def test_customer_signs_up_and_sees_account_page(
    store_client, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        store_client.post(
            "/account/signup/",
            {
                "email": "new@example.test",
                "password1": "Longer-pass-77",
                "password2": "Longer-pass-77",
            },
        )
    link = re.search(r"/account/confirm/[^/\s]+/", mail.outbox[-1].body).group(0)
    response = store_client.get(link, follow=True)

    assert response.status_code == 200
    assert "Your account" in response.content.decode()


def _whole_checkout(client, method, variants) -> str:
    """Browse, add the variants, check out on the page, pay: the order page's path."""
    card = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "name": "Ada"}
    client.get(f"/products/{variants[0].product.slug}/")
    for variant in variants:
        client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1}, follow=True)
    page = client.post("/checkout/", follow=True).redirect_chain[-1][0]
    payment_page = client.post(page, _form(method), follow=True).redirect_chain[-1][0]
    return client.post(payment_page, card, follow=True).redirect_chain[-1][0]


@pytest.mark.django_db
def test_a_whole_guest_checkout_stays_within_the_statement_budget(
    store_client, django_assert_max_num_queries
):
    method = ShippingMethodFactory()
    variants = [stocked_variant(), stocked_variant()]
    _whole_checkout(store_client, method, variants)  # warms the store's cached configuration
    shopper = type(store_client)(HTTP_HOST=store_client.defaults["HTTP_HOST"])

    # Issue #5: at most 60 statements for a whole guest checkout (11 requests). Counted here:
    # Django's statements; the inventory service's raw prepared ones come on top (two for this
    # cart, until reserve() becomes a single statement).
    with django_assert_max_num_queries(60):
        order_page = _whole_checkout(shopper, method, variants)

    order = Order.objects.get(email="guest@example.test", token=order_page.split("/")[2])
    assert order.status == Order.Status.PAID and order.lines.count() == 2
