"""A new merchant's first sale, in Chromium against gunicorn: on the platform host the merchant
opens a store on the signup page, signs in to its admin and follows the checklist: add a product
with two variants and stock on the product page → preview → a shopper buys both with the test
card → the merchant fulfils with a tracking number and refunds one line with restock. No step
opens a technical table. Prints the clicks and the wall time, signup included."""

import re
import time

from django.conf import settings
from django.db import connection

from apps.catalog.models import Product
from apps.checkout.models import ShippingMethod
from apps.inventory.models import StockLevel, StockMovement, Warehouse
from apps.orders.models import Order
from apps.tenants.models import Store
from tests.browser.conftest import DESKTOP
from tests.browser.shop import fill_shipping_address
from tests.conftest import TEST_PASSWORD

TECHNICAL = re.compile(
    r"/admin/(cart/cart|inventory/(stockmovement|reservation|stocklevel)|payments/webhookevent|"
    r"recommendations/recomputerun)/"
)
STORE_NAME = "Harbour Linen"


def wait_for_files(folder, *, count: int, timeout: float = 30.0) -> list:
    """The files a worker writes there (the email is sent after the signup's commit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.iterdir()) if folder.exists() else []
        if len(files) >= count:
            return files
        time.sleep(0.2)
    raise AssertionError(f"{count} file(s) expected in {folder} within {timeout} s")


class Journey:
    """Counts the merchant's and the shopper's clicks and checks no page is a technical table."""

    def __init__(self):
        self.clicks = 0
        self.pages: list[str] = []

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def watch(self, page):
        page.on("framenavigated", lambda frame: self.pages.append(frame.url))


def test_first_sale_from_signup(platform_web, signup_slug, open_page, tmp_path):
    live_web, slug = platform_web, signup_slug
    owner_email = f"owner@{slug}.test"
    journey = Journey()
    started = time.perf_counter()

    # --- on the platform host the merchant opens a store -----------------------------------
    merchant = open_page(DESKTOP)
    journey.watch(merchant)
    merchant.goto(live_web.url(settings.PLATFORM_DOMAIN, "/signup/"))
    merchant.get_by_label("Store name").fill(STORE_NAME)
    merchant.get_by_label("Store address").fill(slug)
    merchant.get_by_label("Your email").fill(owner_email)
    merchant.get_by_label(re.compile(r"^Password:?$")).fill(TEST_PASSWORD)
    merchant.get_by_label("Password again").fill(TEST_PASSWORD)
    journey.click(merchant.get_by_role("button", name="Open my store"))
    merchant.wait_for_url(re.compile(rf"/signup/{slug}/done/$"))
    store = Store.objects.get(schema_name=slug)
    host = store.primary_host
    assert host == f"{slug}.{settings.PLATFORM_DOMAIN}"
    # Test payments work at once; live ones wait for the emailed confirmation link.
    assert store.owner_email_confirmed_at is None
    (confirmation,) = wait_for_files(tmp_path / "mail", count=1)
    assert "/signup/confirm/" in confirmation.read_text()
    # What create_store gave the new store: a stock location, a shipping zone for its country.
    connection.set_tenant(store)
    warehouse = Warehouse.objects.get(active=True)
    assert ShippingMethod.objects.filter(active=True, zone__countries__contains=["US"]).exists()

    # --- the merchant signs in to the new store's admin and follows the checklist ------------
    journey.click(merchant.get_by_role("link", name=live_web.url(host, "/admin/")))
    merchant.wait_for_url(re.compile(rf"^{re.escape(live_web.url(host, '/admin/login/'))}"))
    merchant.get_by_label("Email").fill(owner_email)
    merchant.get_by_label("Password").fill(TEST_PASSWORD)
    journey.click(merchant.get_by_role("button", name="Log in"))
    checklist = merchant.locator(".checklist")
    assert "0 of 6" not in checklist.inner_text()  # shipping and test payments are ready
    journey.click(checklist.get_by_role("link", name="Add a product"))

    merchant.locator("#id_name").press_sequentially("Linen apron")  # the slug follows as typed
    merchant.locator("#id_status").select_option("active")
    journey.click(merchant.get_by_role("button", name="Add another Product option"))
    merchant.locator("#id_options-0-name").fill("Size")
    merchant.locator("#id_options-0-values_text").fill("S, M")
    merchant.locator("#id_generated_variant_price").fill("30.00")
    journey.click(merchant.locator("input[name=_continue]"))
    merchant.wait_for_url(re.compile(r"/admin/catalog/product/\d+/change/"))

    stock_cells = merchant.locator(
        f'.variant-grid tr.has_original input[name$="-stock_{warehouse.id}"]'
    )
    assert stock_cells.count() == 2
    for index in range(2):
        stock_cells.nth(index).fill("5")
    journey.click(merchant.locator("input[name=_continue]"))
    merchant.wait_for_url(re.compile(r"/admin/catalog/product/\d+/change/"))
    assert merchant.locator(".messagelist .success").count() == 1
    product = Product.objects.get(slug="linen-apron")
    small = product.variants.get(sku="LINEN-APRON-S")
    medium = product.variants.get(sku="LINEN-APRON-M")
    assert StockLevel.objects.get(variant=small, warehouse=warehouse).on_hand == 5

    journey.click(merchant.locator("#store-nav").get_by_role("link", name="Home"))
    steps = merchant.locator(".checklist-step.done")
    assert {steps.nth(i).get_attribute("data-step") for i in range(steps.count())} >= {
        "product", "stock", "shipping", "payments"
    }  # fmt: skip
    with merchant.context.expect_page() as preview_opened:
        journey.click(merchant.get_by_role("link", name="Open the storefront"))
    preview = preview_opened.value
    preview.wait_for_load_state()
    assert STORE_NAME in preview.title()
    preview.close()

    # --- a shopper buys both sizes with the test card ---------------------------------------
    shopper = open_page(DESKTOP)
    journey.watch(shopper)
    shopper.goto(live_web.url(host, product.get_absolute_url()))
    for size in ("S", "M"):
        journey.click(
            shopper.locator(f'label.choice:has(input[name="option-size"][value="{size}"])')
        )
        chosen = (small if size == "S" else medium).id
        shopper.wait_for_function(
            f"document.querySelector('[data-variant-field]').value == '{chosen}'"
        )
        journey.click(shopper.get_by_role("button", name="Add to cart"))
        shopper.wait_for_url(re.compile(r"/cart/"))
        if size == "S":
            shopper.go_back()
    journey.click(shopper.get_by_role("button", name="Check out"))
    fill_shipping_address(shopper, "shopper@example.test", city="Portland", postal_code="97201")
    journey.click(shopper.locator('input[name="method"]').first)
    journey.click(shopper.get_by_role("button", name="Continue to payment"))
    shopper.get_by_label("Card number").fill("4242 4242 4242 4242")
    shopper.get_by_label("Expiry (MM/YY)").fill("12/34")
    shopper.get_by_label("CVC").fill("123")
    shopper.get_by_label("Name on card").fill("Ada Lovelace")
    journey.click(shopper.get_by_role("button", name=re.compile(r"^Pay ")))
    shopper.wait_for_url(re.compile(r"/orders/"))
    order = Order.objects.get(email="shopper@example.test")
    assert order.payment_status == Order.PaymentStatus.PAID

    # --- back in the admin: fulfil with tracking, refund one line with restock ---------------
    journey.click(merchant.locator("#store-nav").get_by_role("link", name="Orders"))
    journey.click(merchant.locator("#result_list").get_by_role("link", name=str(order.number)))
    journey.click(merchant.get_by_role("link", name="Fulfil items"))
    merchant.get_by_label("Carrier").fill("UPS")
    merchant.get_by_label("Tracking number").fill("1Z999AA10123456784")
    journey.click(merchant.get_by_role("button", name="Ship"))
    merchant.wait_for_url(re.compile(rf"/admin/orders/order/{order.id}/change/"))
    assert "1Z999AA10123456784" in merchant.locator("main").inner_text()
    journey.click(merchant.get_by_role("link", name="Refund"))
    small_line = order.lines.get(sku="LINEN-APRON-S")
    merchant.locator(f"#id_line_{small_line.id}").fill("1")
    assert merchant.get_by_label("Restock these items").is_checked()
    journey.click(merchant.get_by_role("button", name="Refund"))
    merchant.wait_for_url(re.compile(rf"/admin/orders/order/{order.id}/change/"))
    elapsed = time.perf_counter() - started

    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED
    assert order.payment_status == Order.PaymentStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == small_line.line_total
    assert StockLevel.objects.get(variant=small, warehouse=warehouse).on_hand == 5 - 1 + 1
    assert StockLevel.objects.get(variant=medium, warehouse=warehouse).on_hand == 4
    assert StockMovement.objects.filter(
        variant=small, reason=StockMovement.Reason.RETURN, delta=1
    ).exists()
    assert not [url for url in journey.pages if TECHNICAL.search(url)]
    print(f"\nfirst sale journey: {journey.clicks} clicks, {elapsed:.1f} s wall time")  # noqa: T201
