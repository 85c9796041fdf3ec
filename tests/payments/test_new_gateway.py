"""Adding a gateway is one module, its template, its tests and a registry line.

A minimal gateway defined here (as its module would define it) and put in the registry is
offered and configured on the store settings page, takes payments on its own page and gets
its webhooks at /payments/<name>/webhook/ — with no other change anywhere.
"""

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model

from apps.orders.models import Order
from apps.payments import services
from apps.payments.gateways import registry
from apps.payments.gateways.base import (
    ChargeOutcome,
    EventKind,
    GatewayEvent,
    GatewayRefund,
    PaymentGateway,
    PaymentStart,
    SettingField,
    payment_page_url,
)
from apps.payments.models import Payment, WebhookEvent
from apps.payments.selectors import get_gateway_config
from apps.preferences.selectors import get_store_settings
from tests.conftest import STORE_SPEC
from tests.factories.payments import PaymentFactory, create_reserved_order


class VoucherForm(forms.Form):
    code = forms.CharField(max_length=20)


class VoucherGateway(PaymentGateway):
    """Pays with a code typed on our page; its provider posts signed events."""

    name = "voucher"
    label = "Voucher"
    settings_fields = (
        SettingField("merchant_id", "Merchant id"),
        SettingField("api_key", "API key", secret=True, prefixes=("vk_",)),
    )
    page_template = "payments/gateways/test.html"  # a real module ships its own
    page_form = VoucherForm
    signature_header = "Voucher-Signature"

    def create_payment(self, payment: Payment, *, return_url: str) -> PaymentStart:
        return PaymentStart(payment.id, f"vch_{payment.token.hex}", payment_page_url(payment))

    def refund(self, payment: Payment, *, amount: Decimal, idempotency_key: str) -> GatewayRefund:
        return GatewayRefund(f"vre_{idempotency_key}", amount, payment.currency, "succeeded")

    def charge_on_page(self, payment: Payment, data: Mapping[str, Any]) -> ChargeOutcome:
        if data["code"] == "GOOD":
            return ChargeOutcome(approved=True)
        return ChargeOutcome(False, "voucher_invalid", "Unknown voucher.")

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        assert signature_header == get_gateway_config(self.name).get("api_key")
        body = json.loads(payload)
        return GatewayEvent(id=body["id"], type=body["type"], kind=EventKind.IGNORED)


@pytest.fixture
def voucher_gateway(monkeypatch):
    gateway = VoucherGateway()
    monkeypatch.setitem(registry.GATEWAYS, gateway.name, gateway)
    return gateway


@pytest.fixture
def owner_client(store_client):
    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))
    return store_client


SETTINGS_FORM = {
    "name": "Test Store", "currency": "USD", "country": "US", "timezone": "UTC",
    "reservation_minutes": "15", "low_stock_threshold": "5", "abandoned_cart_hours": "4",
    "email_sender": "", "payment_gateway": "voucher",
    "voucher_merchant_id": "m-42", "voucher_api_key": "vk_secret",
}  # fmt: skip


@pytest.mark.django_db
def test_a_registered_gateway_is_configured_on_the_settings_page(voucher_gateway, owner_client):
    page = owner_client.get("/admin/store-settings/").content.decode()
    response = owner_client.post("/admin/store-settings/", SETTINGS_FORM)

    config = get_gateway_config("voucher")
    assert '<option value="voucher">Voucher</option>' in page
    assert "<h2>Voucher</h2>" in page and 'name="clear_voucher_api_key"' in page
    assert response.status_code == 302
    assert get_store_settings().payment_gateway == "voucher"
    assert config.values == {"merchant_id": "m-42"} and config.secrets == {"api_key": "vk_secret"}
    assert "vk_secret" not in owner_client.get("/admin/store-settings/").content.decode()


@pytest.mark.django_db
def test_a_registered_gateway_takes_payments_on_its_page(voucher_gateway, store_client):
    # The store takes payments with it (a payment is bound to the store's gateway).
    store_settings = get_store_settings()
    store_settings.payment_gateway = "voucher"
    store_settings.save()
    order = create_reserved_order()
    payment = PaymentFactory(order=order, gateway="voucher", external_id="vch_1")
    url = f"/payments/{payment.token}/"

    declined = store_client.post(url, {"code": "BAD"})
    paid = store_client.post(url, {"code": "GOOD"})

    order.refresh_from_db()
    assert declined.status_code == 200 and "Unknown voucher." in declined.content.decode()
    assert paid.status_code == 302 and paid.url == f"/orders/{order.token}/"
    assert order.status == Order.Status.PAID


@pytest.mark.django_db
def test_a_registered_gateway_gets_its_webhooks(voucher_gateway, store_client):
    services.update_gateway_settings(
        gateway_name="voucher", values={}, secrets={"api_key": "vk_signing"}
    )

    response = store_client.post(
        "/payments/voucher/webhook/",
        data=json.dumps({"id": "vev_1", "type": "ping"}),
        content_type="application/json",
        HTTP_VOUCHER_SIGNATURE="vk_signing",
    )

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "ignored: event type not handled"}
    assert WebhookEvent.objects.get().gateway == "voucher"
