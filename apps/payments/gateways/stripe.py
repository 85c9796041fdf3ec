"""Stripe through the official SDK: PaymentIntents, refunds, signed webhooks.

Every call builds a ``StripeClient`` with the current store's own secret key (never a global
key shared across stores). Card data never reaches our server: the Payment Element on our
payment page sends it straight to Stripe (PCI SAQ A).

The gateway's whole footprint: this module (its settings fields, payment page context and
webhook handler), ``templates/payments/gateways/stripe.html`` (the page and its script) and
``tests/payments/test_stripe.py`` with its local Stripe (``fake_stripe.py``, ``conftest.py``).
"""

import json
import logging
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.db import connection

from apps.payments.amounts import chargeable, from_minor_units, to_minor_units
from apps.payments.exceptions import (
    GatewayNotConfigured,
    InvalidWebhook,
    PaymentDeclined,
    PaymentProviderError,
    RefundRejected,
)
from apps.payments.gateways.base import (
    EventKind,
    GatewayConfig,
    GatewayEvent,
    GatewayRefund,
    PaymentGateway,
    PaymentStart,
    SettingField,
    payment_page_url,
)
from apps.payments.models import Payment
from apps.payments.selectors import get_gateway_config

logger = logging.getLogger(__name__)

INTENT_EVENTS = {
    "payment_intent.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": EventKind.PAYMENT_FAILED,
    "payment_intent.processing": EventKind.PAYMENT_PROCESSING,
}
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}


NAME = "stripe"


def key_mode(key: str) -> str:
    """ "test" or "live" for a Stripe API key (pk_/sk_/rk_ + test_/live_), "" when unknown."""
    for mode in ("test", "live"):
        if key.startswith((f"pk_{mode}_", f"sk_{mode}_", f"rk_{mode}_")):
            return mode
    return ""


def client_for(config: GatewayConfig) -> stripe.StripeClient:
    """A client bound to this store's secret key (and to STRIPE_API_BASE when set)."""
    secret_key = config.get("secret_key")
    if not secret_key:
        raise GatewayNotConfigured("Stripe is selected but the store has no Stripe secret key.")
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        secret_key,
        base_addresses=base_addresses,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _provider_error(exc: stripe.StripeError, action: str) -> PaymentProviderError:
    logger.warning("stripe %s failed: %s (%s)", action, exc.code or "", type(exc).__name__)
    return PaymentProviderError(
        f"The payment provider could not {action}: {exc.user_message or 'please try again.'}",
        extra={"provider_code": exc.code or ""},
    )


class StripeGateway(PaymentGateway):
    name = NAME
    label = "Stripe"
    settings_fields = (
        SettingField(
            "publishable_key", "Publishable key", prefixes=("pk_",),
            help_text="Stripe dashboard → Developers → API keys; shoppers' browsers see it.",
        ),
        SettingField(
            "secret_key", "Secret key", secret=True, prefixes=("sk_", "rk_"),
            help_text="A secret or restricted key from the same page.",
        ),
        SettingField(
            "webhook_secret", "Webhook signing secret", secret=True, required=False,
            prefixes=("whsec_",),
            help_text="Of the Stripe webhook endpoint https://<store host>/payments/stripe/"
            "webhook/ (payment_intent.*, charge.refunded, refund.*). Without it, payments "
            "are confirmed only when shoppers come back from Stripe.",
        ),
    )  # fmt: skip
    page_template = "payments/gateways/stripe.html"
    # Stripe.js and its Payment Element frames, as Stripe documents for a strict CSP.
    page_csp = {
        "script-src": ["https://js.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
        "img-src": ["https://*.stripe.com"],
    }
    signature_header = "Stripe-Signature"

    def test_mode(self, config: GatewayConfig) -> bool:
        return key_mode(config.get("publishable_key")) == "test" or (
            key_mode(config.get("secret_key")) == "test"
        )

    def check_config(self, config: GatewayConfig) -> dict[str, list[str]]:
        """The publishable and secret key belong to the same mode (test or live), and live
        keys only where the platform takes real payments (``ALLOW_LIVE_PAYMENTS``)."""
        publishable = key_mode(config.get("publishable_key"))
        secret = key_mode(config.get("secret_key"))
        if publishable and secret and publishable != secret:
            return {
                "secret_key": [
                    f"The secret key is a {secret} key but the publishable key is a "
                    f"{publishable} key: use both keys of the same mode."
                ]
            }
        if "live" in (publishable, secret) and not settings.ALLOW_LIVE_PAYMENTS:
            key = "publishable_key" if publishable == "live" else "secret_key"
            return {key: ["Live keys are not accepted on this platform: use test keys."]}
        return {}

    def page_ready(self, payment: Payment) -> bool:
        # No client secret: start_payment could not reach Stripe earlier; start it again.
        return bool(payment.client_secret)

    def page_context(self, payment: Payment, *, return_url: str) -> dict[str, Any]:
        return {
            "stripe_config": {
                "publishableKey": get_gateway_config(NAME).get("publishable_key"),
                "clientSecret": payment.client_secret,
                "returnUrl": return_url,
            }
        }

    def chargeable_amount(self, amount: Decimal, currency: str) -> Decimal:
        # Stripe takes KWD, BHD, JOD, OMR and TND only in tens of their minor unit.
        return chargeable(amount, currency)

    def create_payment(self, payment: Payment, *, return_url: str) -> PaymentStart:
        client = client_for(get_gateway_config(NAME))
        params: Any = {
            "amount": to_minor_units(payment.amount, payment.currency),
            "currency": payment.currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "description": f"Order #{payment.order.number}",
            "metadata": {
                "mercato_store": connection.schema_name,
                "mercato_payment": payment.token.hex,
                "order_number": str(payment.order.number),
            },
        }
        try:
            # The key comes from the payment row: a retried call returns the same intent.
            intent = client.v1.payment_intents.create(
                params=params, options={"idempotency_key": f"payment-{payment.idempotency_key}"}
            )
        except stripe.CardError as exc:
            raise PaymentDeclined(exc.user_message or "Your card was declined.") from exc
        except stripe.StripeError as exc:
            raise _provider_error(exc, "start the payment") from exc
        return PaymentStart(
            payment_id=payment.id,
            external_id=intent.id,
            redirect_url=payment_page_url(payment),
            client_secret=intent.client_secret or "",
        )

    def refund(self, payment: Payment, *, amount: Decimal, idempotency_key: str) -> GatewayRefund:
        client = client_for(get_gateway_config(NAME))
        params: Any = {
            "payment_intent": payment.external_id,
            "amount": to_minor_units(amount, payment.currency),
            "metadata": {
                "mercato_store": connection.schema_name,
                "mercato_refund": idempotency_key,
            },
        }
        try:
            refund = client.v1.refunds.create(
                params=params, options={"idempotency_key": f"refund-{idempotency_key}"}
            )
        except (stripe.InvalidRequestError, stripe.CardError) as exc:
            logger.warning("stripe refund rejected: %s", exc.code or "")
            raise RefundRejected(
                f"Stripe rejected the refund: {exc.user_message or exc.code or 'unknown reason'}",
                extra={"provider_code": exc.code or ""},
            ) from exc
        except stripe.StripeError as exc:
            raise _provider_error(exc, "refund the payment") from exc
        return _refund_from(refund.to_dict())

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        config = get_gateway_config(NAME)
        secret = config.get("webhook_secret")
        if not secret:
            raise InvalidWebhook("Stripe webhooks are not configured for this store.")
        if not signature_header:
            raise InvalidWebhook("Missing Stripe-Signature header.")
        try:
            if not isinstance(json.loads(payload), dict):
                raise InvalidWebhook("The webhook body is not a Stripe event.")
            event = stripe.Webhook.construct_event(payload, signature_header, secret)
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook("The webhook signature is invalid.") from exc
        except ValueError as exc:  # not UTF-8 or not JSON
            raise InvalidWebhook("The webhook body is not valid JSON.") from exc
        data = event.to_dict()
        event_id, event_type = data.get("id"), data.get("type")
        obj = (data.get("data") or {}).get("object")
        if not isinstance(event_id, str) or not event_id or not isinstance(obj, dict):
            raise InvalidWebhook("The webhook body is not a Stripe event.")
        event_type = str(event_type or "")
        if event_type in INTENT_EVENTS:
            return _intent_event(event_id, event_type, INTENT_EVENTS[event_type], obj)
        if event_type == "charge.refunded":
            return self._charge_refunded(event_id, obj, config)
        if event_type in REFUND_EVENTS:
            refund = _refund_from(obj)
            return GatewayEvent(
                id=event_id,
                type=event_type,
                kind=EventKind.REFUNDS,
                payment_external_id=refund.payment_external_id,
                refunds=(refund,),
            )
        return GatewayEvent(id=event_id, type=event_type, kind=EventKind.IGNORED)

    def retrieve_payment(self, payment: Payment) -> GatewayEvent:
        if not payment.external_id:
            return GatewayEvent(id="", type="retrieve", kind=EventKind.IGNORED)
        client = client_for(get_gateway_config(NAME))
        try:
            intent = client.v1.payment_intents.retrieve(payment.external_id)
        except stripe.StripeError as exc:
            raise _provider_error(exc, "report the payment status") from exc
        obj = intent.to_dict()
        status = obj.get("status")
        if status == "succeeded":
            kind = EventKind.PAYMENT_SUCCEEDED
        elif status == "processing":
            kind = EventKind.PAYMENT_PROCESSING
        elif status == "requires_payment_method" and obj.get("last_payment_error"):
            kind = EventKind.PAYMENT_FAILED
        else:
            kind = EventKind.IGNORED
        return _intent_event(f"retrieve:{intent.id}", "payment_intent.retrieve", kind, obj)

    def _charge_refunded(self, event_id: str, charge: dict, config: GatewayConfig) -> GatewayEvent:
        intent_id = _str(charge.get("payment_intent"))
        listed = (charge.get("refunds") or {}).get("data")
        if listed is None:
            # Since API version 2022-11-15 a charge no longer embeds its refunds: ask for them.
            try:
                page = client_for(config).v1.refunds.list(
                    params={"payment_intent": intent_id, "limit": 100}
                )
            except stripe.StripeError as exc:
                raise _provider_error(exc, "list the refunds") from exc
            listed = [refund.to_dict() for refund in page.data]
        refunds = tuple(_refund_from(obj) for obj in listed if isinstance(obj, dict))
        return GatewayEvent(
            id=event_id,
            type="charge.refunded",
            kind=EventKind.REFUNDS,
            payment_external_id=intent_id,
            refunds=refunds,
        )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _amount(value: Any, currency: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int) or not currency:
        raise InvalidWebhook("The Stripe object has no valid amount.")
    return from_minor_units(value, currency)


def _intent_event(event_id: str, event_type: str, kind: EventKind, intent: dict) -> GatewayEvent:
    currency = _str(intent.get("currency")).upper()
    received = intent.get("amount_received")
    amount = received if kind == EventKind.PAYMENT_SUCCEEDED and received else intent.get("amount")
    metadata = intent.get("metadata") or {}
    error = intent.get("last_payment_error") or {}
    return GatewayEvent(
        id=event_id,
        type=event_type,
        kind=kind,
        payment_external_id=_str(intent.get("id")),
        payment_token=_str(metadata.get("mercato_payment")),
        store=_str(metadata.get("mercato_store")),
        amount=_amount(amount, currency),
        currency=currency,
        failure_message=_str(error.get("message")) or _str(error.get("code")),
    )


def _refund_from(obj: dict) -> GatewayRefund:
    currency = _str(obj.get("currency")).upper()
    metadata = obj.get("metadata") or {}
    return GatewayRefund(
        external_id=_str(obj.get("id")),
        amount=_amount(obj.get("amount"), currency),
        currency=currency,
        status=_str(obj.get("status")),
        payment_external_id=_str(obj.get("payment_intent")),
        idempotency_key=_str(metadata.get("mercato_refund")),
    )
