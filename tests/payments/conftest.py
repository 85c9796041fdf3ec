"""Stripe test rig: the real SDK against a local fake API, and webhooks signed like Stripe's."""

import hashlib
import hmac
import itertools
import json
import time

import pytest
from django.db import connection

from apps.payments import services as payment_services
from apps.preferences.selectors import get_store_settings
from tests.payments.fake_stripe import FakeStripe

SECRET_KEY = "sk_test_teststore"
PUBLISHABLE_KEY = "pk_test_teststore"
WEBHOOK_SECRET = "whsec_teststore"
WEBHOOK_PATH = "/payments/stripe/webhook/"
_event_ids = itertools.count(1)


@pytest.fixture(scope="session")
def _fake_stripe_server():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def fake_stripe(_fake_stripe_server, settings):
    """A local Stripe API for this test; the SDK is pointed at it through STRIPE_API_BASE."""
    _fake_stripe_server.reset()
    settings.STRIPE_API_BASE = _fake_stripe_server.url
    return _fake_stripe_server


def configure_stripe(*, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET) -> None:
    store_settings = get_store_settings()
    store_settings.payment_gateway = "stripe"
    store_settings.save()
    payment_services.update_gateway_settings(
        gateway_name="stripe",
        values={"publishable_key": PUBLISHABLE_KEY},
        secrets={"secret_key": secret_key, "webhook_secret": webhook_secret},
    )


@pytest.fixture
def stripe_store(db, fake_stripe):
    """The test store, set to take payments with Stripe (served by ``fake_stripe``)."""
    configure_stripe()
    return fake_stripe


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme: v1 = hex HMAC-SHA256 of "{t}.{payload}" under the endpoint secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def stripe_event(event_type: str, obj: dict, *, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_test_{next(_event_ids):06d}",
            "object": "event",
            "api_version": "2025-09-30.clover",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": obj},
        }
    )


def post_webhook(client, payload: str, *, secret: str = WEBHOOK_SECRET, signature=None):
    return client.post(
        WEBHOOK_PATH,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, secret) if signature is None else signature,
    )


def intent_object(
    payment, *, status: str = "succeeded", amount: int | None = None, currency: str | None = None,
    error: str = "",
) -> dict:  # fmt: skip
    """A PaymentIntent as Stripe sends it in events, for one of our payments."""
    amount = amount if amount is not None else int(payment.amount * 100)
    return {
        "id": payment.external_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": (currency or payment.currency).lower(),
        "status": status,
        "client_secret": f"{payment.external_id}_secret_x",
        "metadata": {
            "mercato_payment": payment.token.hex,
            "mercato_store": connection.schema_name,
            "order_number": str(payment.order.number),
        },
        "last_payment_error": {"code": "card_declined", "message": error} if error else None,
        "livemode": False,
    }


# --- PayPal: the real paypal-server-sdk against a local PayPal (fake_paypal.py) ---------------

PAYPAL_CLIENT_ID = "AeTestStoreClientId"
PAYPAL_SECRET = "EFakeStoreSecret"
PAYPAL_WEBHOOK_ID = "8PT597110X687430LKGECATA"
PAYPAL_WEBHOOK_PATH = "/payments/paypal/webhook/"
_paypal_event_ids = itertools.count(1)


@pytest.fixture(scope="session")
def _fake_paypal_server():
    from tests.payments.fake_paypal import FakePayPal

    server = FakePayPal().start()
    yield server
    server.stop()


@pytest.fixture
def fake_paypal(_fake_paypal_server, settings):
    """A local PayPal API for this test; the SDK is pointed at it through PAYPAL_API_BASE."""
    _fake_paypal_server.reset()
    _fake_paypal_server.add_app(PAYPAL_CLIENT_ID, PAYPAL_SECRET)
    settings.PAYPAL_API_BASE = _fake_paypal_server.url
    settings.PAYPAL_MAX_NETWORK_RETRIES = 0
    settings.PAYPAL_TIMEOUT = 5
    return _fake_paypal_server


def configure_paypal(
    *, client_id: str = PAYPAL_CLIENT_ID, secret: str = PAYPAL_SECRET,
    webhook_id: str = PAYPAL_WEBHOOK_ID, mode: str = "sandbox",
) -> None:  # fmt: skip
    store_settings = get_store_settings()
    store_settings.payment_gateway = "paypal"
    store_settings.save()
    payment_services.update_gateway_settings(
        gateway_name="paypal",
        values={"client_id": client_id, "webhook_id": webhook_id, "mode": mode},
        secrets={"client_secret": secret},
    )


def enable_gateways(*names: str) -> None:
    """Enable these gateways for the test store, in this order (the first is the default)."""
    store_settings = get_store_settings()
    store_settings.payment_gateway = ",".join(names)
    store_settings.save()


@pytest.fixture
def test_and_paypal(db, fake_paypal):
    """The store offers the test gateway first, then PayPal (served by ``fake_paypal``)."""
    configure_paypal()
    enable_gateways("test", "paypal")
    return fake_paypal


@pytest.fixture
def paypal_store(db, fake_paypal):
    """The test store, set to take payments with PayPal (served by ``fake_paypal``)."""
    configure_paypal()
    return fake_paypal


def paypal_event(event_type: str, resource: dict, *, event_id: str | None = None) -> str:
    """A webhook event as PayPal delivers it."""
    return json.dumps(
        {
            "id": event_id or f"WH-{next(_paypal_event_ids):06d}-TEST0000000000",
            "event_version": "1.0",
            "create_time": "2026-12-07T17:00:00.000Z",
            "resource_type": "capture" if event_type.startswith("PAYMENT.") else "checkout-order",
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": event_type.lower(),
            "resource": resource,
            "links": [],
        }
    )


def paypal_headers(payload: str, *, webhook_id: str = PAYPAL_WEBHOOK_ID, **override) -> dict:
    """The five PAYPAL-* headers of a delivery, signed as PayPal signs (fake_paypal.sign)."""
    from tests.payments.fake_paypal import CERT_URL, sign

    transmission_id = f"{next(_paypal_event_ids):08d}-7c5a-11ee-9bbb-0242ac120002"
    transmission_time = "2026-12-07T17:00:01Z"
    signature = sign(
        payload.encode(),
        webhook_id=webhook_id,
        transmission_id=transmission_id,
        transmission_time=transmission_time,
    ).decode()
    headers = {
        "HTTP_PAYPAL_AUTH_ALGO": "SHA256withRSA",
        "HTTP_PAYPAL_CERT_URL": CERT_URL,
        "HTTP_PAYPAL_TRANSMISSION_ID": transmission_id,
        "HTTP_PAYPAL_TRANSMISSION_SIG": signature,
        "HTTP_PAYPAL_TRANSMISSION_TIME": transmission_time,
    }
    headers.update(override)
    return headers


def post_paypal_webhook(client, payload: str, **headers):
    return client.post(
        PAYPAL_WEBHOOK_PATH,
        data=payload,
        content_type="application/json",
        **(headers or paypal_headers(payload)),
    )
