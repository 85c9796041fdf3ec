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
