"""In a real browser (Debian's chromium through Playwright): a shopper checks out, pays part with
a gift card and the rest with PayPal (the local PayPal of fake_paypal.py, approve page included);
the payment page shows what is left to pay before they go to PayPal."""

import re
import threading
from decimal import Decimal
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from apps.orders.models import Order
from apps.payments import services
from apps.payments.models import GiftCard
from tests.factories.checkout import ShippingMethodFactory
from tests.payments.conftest import configure_paypal
from tests.shopping import ADDRESS, stocked_variant


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self._serve, args=(request, client_address), daemon=True)
        thread.start()

    def _serve(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)
            connection.close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def store_server(committed_store, settings):
    """The whole Django app on a local port, serving the committed store's host (the links it
    gives PayPal carry that port: PUBLIC_PORT)."""
    # A handler made now, not config.wsgi's from import time: middleware reads its settings when
    # it is built, and the suite's plain-HTTP overrides (tests/conftest.py) must apply.
    server = make_server(
        "127.0.0.1", 0, WSGIHandler(), server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )  # fmt: skip
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", str(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{committed_store.primary_host}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_shopper_pays_part_with_a_gift_card_and_the_rest_with_paypal(
    committed_store, fake_paypal, store_server, settings, open_page
):
    settings.PAYPAL_API_BASE = fake_paypal.url
    configure_paypal()
    lamp = stocked_variant(price="20.00", stock=5)
    method = ShippingMethodFactory(price=Decimal("5.00"))
    code = services.issue_gift_card(amount=Decimal("15.00"), currency="USD").code

    page = open_page()
    page.goto(store_server + lamp.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    page.click("text=Check out")
    page.fill("[name=email]", "ada@example.test")
    for field in ("full_name", "line1", "city", "postal_code"):
        page.fill(f"[name={field}]", ADDRESS[field])
    page.select_option("[name=country]", ADDRESS["country"])
    page.click("button[value=update]")
    page.check(f"[name=method][value='{method.id}']")
    page.click("button[value=pay]")
    page.wait_for_url(re.compile(r"/payments/[0-9a-f-]{36}/$"))
    page.fill("#gift-card-code", code.lower())
    page.click("text=Apply gift card")
    left_to_pay = page.text_content("#left-to-pay")
    page.click("#paypal-button")  # to PayPal's approve page, which sends them back
    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]{36}/$"))
    order_page = page.content()

    order = Order.objects.get()
    assert left_to_pay == "10.00 USD"  # 20.00 + 5.00 shipping − 15.00 on the card
    assert order.status == Order.Status.PAID and order.total == Decimal("25.00")
    assert sorted((p.gateway, p.amount) for p in order.payments.filter(applied_to_order=True)) == [
        ("gift_card", Decimal("15.00")), ("paypal", Decimal("10.00")),
    ]  # fmt: skip
    assert GiftCard.objects.get().balance == Decimal("0.00")
    assert f"#{order.number}" in order_page
