"""A shopper's whole journey through the storefront, with the test gateway and a real worker.

browse → add two variants → the one-page checkout with a voucher, shipping and tax → pay with
a test card
→ order paid, stock committed with ledger rows, confirmation email sent by the Celery worker,
order visible in the customer's account and in the store admin.
"""

import re
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.checkout.models import Voucher
from apps.inventory.models import StockLevel, StockMovement
from apps.orders.models import Order, OrderEvent
from tests.celery_worker import running_worker
from tests.factories.checkout import ShippingMethodFactory, TaxRateFactory
from tests.shopping import ADDRESS, stocked_variant

D = Decimal


@pytest.mark.worker
def test_shopper_buys_two_variants_and_gets_a_confirmation_from_the_worker(
    committed_store, tmp_path, monkeypatch
):
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(tmp_path))
    tee = stocked_variant(price="20.00", stock=5)
    mug = stocked_variant(price="10.00", stock=5)
    method = ShippingMethodFactory(price=D("5.00"))
    TaxRateFactory(country="US", rate=D("0.1000"))
    Voucher.objects.create(code="WELCOME10", kind=Voucher.Kind.PERCENT, value=D("10"))
    get_user_model().objects.create_user(email="ada@example.test", password="Shopper-pass-77")
    shopper = Client(HTTP_HOST=committed_store.primary_host)
    shopper.login(username="ada@example.test", password="Shopper-pass-77")

    with running_worker():
        assert shopper.get("/").status_code == 200
        assert shopper.get(tee.product.get_absolute_url()).status_code == 200
        shopper.post("/cart/add/", {"variant_id": tee.id, "quantity": 2})
        shopper.post("/cart/add/", {"variant_id": mug.id, "quantity": 1})
        token = re.search(r"/checkout/([0-9a-f-]{36})/", shopper.post("/checkout/")["Location"])[1]
        answers = {"email": "ada@example.test", **ADDRESS, "method": method.id}
        # The voucher's "Apply" saves the answers and shows the new totals on the page…
        shopper.post(f"/checkout/{token}/", {**answers, "voucher": "welcome10", "action": "update"})
        review = shopper.get(f"/checkout/{token}/").content.decode()
        # …and "Continue to payment" places the order and goes to the gateway's page.
        to_gateway = shopper.post(
            f"/checkout/{token}/", {**answers, "voucher": "WELCOME10", "action": "pay"}
        )
        card_page = shopper.get(to_gateway["Location"])
        paid = shopper.post(
            to_gateway["Location"],
            {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123", "name": "Ada"},
        )
        order = Order.objects.get()
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and not order.events.filter(type=OrderEvent.Type.EMAIL_SENT).exists()
        ):
            time.sleep(0.2)

    # 40 + 10 = 50 − 10 % = 45.00; tax 10 % of 45 = 4.50; shipping 5.00 → 54.50
    order.refresh_from_db()
    assert "54.50" in review and card_page.status_code == 200
    assert paid.status_code == 302 and paid["Location"] == f"/orders/{order.token}/"
    assert order.status == Order.Status.PAID
    assert (order.subtotal, order.discount_total, order.tax_total, order.total) == (
        D("50.00"), D("5.00"), D("4.50"), D("54.50"),
    )  # fmt: skip
    assert StockLevel.objects.get(variant=tee).on_hand == 3
    assert StockLevel.objects.get(variant=mug).on_hand == 4
    sales = StockMovement.objects.filter(reason="sale", order_reference=str(order.number))
    assert sorted(sales.values_list("delta", flat=True)) == [-2, -1]
    mails = [path.read_text() for path in tmp_path.iterdir()]
    confirmations = [m for m in mails if f"Order #{order.number} confirmed" in m]
    assert len(confirmations) == 1 and "To: ada@example.test" in confirmations[0]
    assert f"#{order.number}" in shopper.get("/account/").content.decode()
    owner = Client(HTTP_HOST=committed_store.primary_host)
    owner.force_login(get_user_model().objects.get(is_superuser=True))
    admin_page = owner.get(f"/admin/orders/order/{order.id}/change/")
    assert admin_page.status_code == 200 and "Fulfil" in admin_page.content.decode()


@pytest.mark.django_db
def test_declined_card_releases_the_hold_and_the_shopper_can_retry(store_client):
    from apps.checkout import services as checkout_services
    from tests.shopping import ready_checkout

    variant = stocked_variant(stock=3)
    order = checkout_services.place_order(checkout=ready_checkout(lines=[(variant, 2)])).order
    page = store_client.post(f"/orders/{order.token}/pay/")["Location"]
    card = {"expiry": "12/30", "cvc": "123", "name": "Ada"}

    declined = store_client.post(page, {**card, "number": "4000 0000 0000 0002"})
    level_after_decline = StockLevel.objects.get(variant=variant)
    order.refresh_from_db()
    status_after_decline = order.status
    retry_page = store_client.post(f"/orders/{order.token}/pay/")["Location"]
    paid = store_client.post(retry_page, {**card, "number": "4242 4242 4242 4242"})

    order.refresh_from_db()
    assert declined.status_code == 200 and "declined" in declined.content.decode().lower()
    assert status_after_decline == Order.Status.PENDING
    assert level_after_decline.reserved == 0  # the units went back on sale
    assert paid.status_code == 302
    assert order.status == Order.Status.PAID
    assert StockLevel.objects.get(variant=variant).on_hand == 1
