"""A shopper chooses euros in the header and buys with the test gateway: the product page, the
cart, the payment page, the confirmation page and the confirmation email are in EUR."""

import re
from decimal import Decimal

from django.core import mail

from apps.markets.models import Market
from apps.orders.models import Order
from apps.orders.services import emails as order_emails
from tests.browser.conftest import DESKTOP
from tests.browser.shop import fill_shipping_address, open_shop


def test_shopper_chooses_eur_in_the_header_and_pays_in_euros(committed_store, live_web, open_page):
    shop = open_shop()
    Market.objects.create(
        name="Euro area", currency="EUR", countries=["DE", "FR"],
        exchange_rate=Decimal("0.92"), rounding=Market.Rounding.NINETY_NINE,
    )  # fmt: skip
    page = open_page(DESKTOP)

    page.goto(live_web.url(committed_store.primary_host, shop.mug.get_absolute_url()))
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Change").click()
    page.wait_for_url(re.compile(re.escape(shop.mug.get_absolute_url())))
    product_price = page.locator("p.price.big").inner_text()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    cart_text = page.locator("main").inner_text()
    page.get_by_role("button", name="Check out").click()
    fill_shipping_address(page, "euro@example.test")
    page.get_by_role("button", name="Update delivery options").click()
    page.locator('input[name="method"]').first.click()
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/payments/"))
    to_pay = page.locator("main").inner_text()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    page.wait_for_url(re.compile(r"/orders/"))
    confirmation = page.locator("main").inner_text()
    order = Order.objects.get(email="euro@example.test")
    order_emails.send_order_email(order_id=order.id, kind="confirmed")

    # 12.00 USD × 0.92 = 11.04 → 11.99 EUR; shipping 5.00 USD → 4.60 EUR.
    assert product_price.startswith("11.99") and "EUR" in product_price
    assert "11.99 EUR" in cart_text
    assert order.currency == "EUR" and order.payment_status == Order.PaymentStatus.PAID
    assert order.subtotal == Decimal("11.99") and order.shipping_total == Decimal("4.60")
    assert f"{order.total} EUR" in to_pay
    assert f"{order.total} EUR" in confirmation and "USD" not in confirmation
    (message,) = [m for m in mail.outbox if "euro@example.test" in m.to]
    assert f"{order.total} EUR" in message.body and "USD" not in message.body
