"""PayPal through its official server SDK (``paypal-server-sdk``): Orders v2, capture refunds,
webhooks verified by PayPal.

The flow: ``create_payment`` creates a PayPal order (intent CAPTURE, the order's total and
currency, our order number as ``invoice_id``, a ``PayPal-Request-Id``) and keeps its approve
link; our payment page sends the shopper there; PayPal sends them back to our return URL
(``retrieve_payment`` then captures the order) or to our cancel URL (the payment page again,
the stock still held). ``CHECKOUT.ORDER.APPROVED`` captures too, for shoppers who never come
back; ``PAYMENT.CAPTURE.COMPLETED`` / ``.DENIED`` / ``.REFUNDED`` report what PayPal did.

Every call builds a client with the current store's own client id and secret, against the
sandbox or live API as the store chose (``PAYPAL_API_BASE`` moves both, for the tests' local
PayPal). OAuth tokens are cached until shortly before they expire, so a call is one request.

The gateway's whole footprint: this module, ``templates/payments/gateways/paypal.html`` and
``tests/payments/test_paypal.py`` with its local PayPal (``fake_paypal.py``).
"""

import hashlib
import json
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from apimatic_core.authentication.multiple.single_auth import Single
from apimatic_core.exceptions.auth_validation_exception import AuthValidationException
from apimatic_core.request_builder import RequestBuilder
from apimatic_core.response_handler import ResponseHandler
from apimatic_core.types.parameter import Parameter
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from paypalserversdk.api_helper import APIHelper
from paypalserversdk.configuration import Configuration, Environment, Server
from paypalserversdk.controllers.base_controller import BaseController
from paypalserversdk.exceptions.api_exception import ApiException
from paypalserversdk.exceptions.error_exception import ErrorException
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials
from paypalserversdk.http.http_method_enum import HttpMethodEnum
from paypalserversdk.models.amount_with_breakdown import AmountWithBreakdown
from paypalserversdk.models.checkout_payment_intent import CheckoutPaymentIntent
from paypalserversdk.models.money import Money
from paypalserversdk.models.o_auth_token import OAuthToken
from paypalserversdk.models.order_request import OrderRequest
from paypalserversdk.models.payment_source import PaymentSource
from paypalserversdk.models.paypal_experience_user_action import PaypalExperienceUserAction
from paypalserversdk.models.paypal_wallet import PaypalWallet
from paypalserversdk.models.paypal_wallet_context_shipping_preference import (
    PaypalWalletContextShippingPreference,
)
from paypalserversdk.models.paypal_wallet_experience_context import (
    PaypalWalletExperienceContext,
)
from paypalserversdk.models.purchase_unit_request import PurchaseUnitRequest
from paypalserversdk.models.refund_request import RefundRequest
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient

from apps.core.money import quantize
from apps.payments.exceptions import (
    GatewayNotConfigured,
    InvalidAmount,
    InvalidWebhook,
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
from apps.tenants import public_urls
from apps.tenants import selectors as tenant_selectors

logger = logging.getLogger(__name__)

NAME = "paypal"
SANDBOX, LIVE = "sandbox", "live"

# The currencies PayPal takes (developer.paypal.com/reference/currency-codes); in HUF, JPY and
# TWD it takes no decimals.
CURRENCIES = frozenset(
    "AUD BRL CAD CNY CZK DKK EUR HKD HUF ILS JPY MYR MXN TWD NZD NOK PHP PLN GBP SGD SEK CHF "
    "THB USD".split()
)
NO_DECIMALS = frozenset({"HUF", "JPY", "TWD"})

# What a capture's status means for the payment (a webhook's capture, or our capture's answer).
CAPTURE_KINDS = {
    "COMPLETED": EventKind.PAYMENT_SUCCEEDED,
    "PENDING": EventKind.PAYMENT_PROCESSING,
    "DECLINED": EventKind.PAYMENT_FAILED,
    "FAILED": EventKind.PAYMENT_FAILED,
}
CAPTURE_EVENTS = {
    "PAYMENT.CAPTURE.COMPLETED",
    "PAYMENT.CAPTURE.PENDING",
    "PAYMENT.CAPTURE.DENIED",
    "PAYMENT.CAPTURE.DECLINED",
}
REFUND_STATUSES = {
    "COMPLETED": "succeeded",
    "PENDING": "pending",
    "FAILED": "failed",
    "CANCELLED": "canceled",
}
# The five headers PayPal signs a webhook delivery with (verify-webhook-signature's input).
SIGNATURE_HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}
DECLINED_MESSAGE = "PayPal declined the payment. Please try again or choose another way to pay."
INSTRUMENT_DECLINED_MESSAGE = (
    "PayPal could not charge the chosen funding source: please choose another one at PayPal."
)


def paypal_value(amount: Decimal, currency: str) -> str:
    """An amount as PayPal's ``value`` string: "12.50" USD, "1500" JPY."""
    if currency.upper() in NO_DECIMALS:
        if amount != amount.to_integral_value():
            raise InvalidAmount(
                f"{amount} cannot be paid with PayPal in {currency.upper()}: it takes no decimals.",
                extra={"amount": str(amount), "currency": currency.upper()},
            )
        return f"{amount:.0f}"
    return f"{quantize(amount):.2f}"


def _money(obj: Any) -> tuple[Decimal, str]:
    """(amount, currency) of a PayPal money object; raises InvalidWebhook when malformed."""
    if not isinstance(obj, dict):
        raise InvalidWebhook("The PayPal object has no amount.")
    currency, value = obj.get("currency_code"), obj.get("value")
    if not isinstance(currency, str) or not isinstance(value, str) or len(currency) != 3:
        raise InvalidWebhook("The PayPal object has no valid amount.")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidWebhook("The PayPal object has no valid amount.") from None
    if not amount.is_finite():
        raise InvalidWebhook("The PayPal object has no valid amount.")
    return quantize(amount), currency.upper()


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def custom_id(payment: Payment) -> str:
    """What we put in PayPal's ``custom_id``: the store and our payment, to find it again."""
    return f"{connection.schema_name}:{payment.token.hex}"


def _parse_custom_id(value: Any) -> tuple[str, str]:
    """(store schema, payment token) from a ``custom_id`` we wrote; ("", "") otherwise."""
    store, _, token = _str(value).rpartition(":")
    return store, token


class _Configuration(Configuration):
    """The SDK's configuration, its API host moved to ``PAYPAL_API_BASE`` when that is set."""

    def get_base_uri(self, server=Server.DEFAULT):
        return settings.PAYPAL_API_BASE or super().get_base_uri(server)


class _WebhooksController(BaseController):
    """PayPal's verify-webhook-signature call, which paypal-server-sdk 2.4.0 does not expose
    (it has orders, payments, vault, subscriptions, transaction search and OAuth only). It is
    built the way the SDK's own controllers are, so it shares the client's OAuth token, base
    URL, timeout and retries: https://developer.paypal.com/docs/api/webhooks/v1/#verify-webhook-signature
    """

    def verify_webhook_signature(self, body: str) -> Any:
        return (
            self.new_api_call_builder.request(
                RequestBuilder()
                .server(Server.DEFAULT)
                .path("/v1/notifications/verify-webhook-signature")
                .http_method(HttpMethodEnum.POST)
                .header_param(Parameter().key("Content-Type").value("application/json"))
                .header_param(Parameter().key("accept").value("application/json"))
                # Already JSON: the event must reach PayPal byte for byte as it was delivered.
                .body_param(Parameter().value(body))
                .body_serializer(APIHelper.json_serialize)
                .auth(Single("Oauth2"))
            )
            .response(
                ResponseHandler()
                .deserializer(APIHelper.json_deserialize)
                .is_api_response(True)
                .local_error("default", "The error response.", ErrorException)
            )
            .execute()
        )


class _Client:
    """One store's PayPal client: the SDK client and its OAuth token's cache key."""

    def __init__(self, config: GatewayConfig) -> None:
        client_id, secret = config.get("client_id"), config.get("client_secret")
        if not client_id or not secret:
            raise GatewayNotConfigured(
                "PayPal is selected but the store has no PayPal client ID and secret."
            )
        environment = Environment.PRODUCTION if config.get("mode") == LIVE else Environment.SANDBOX
        base = settings.PAYPAL_API_BASE or environment.name
        digest = hashlib.sha256(f"{base}\n{client_id}\n{secret}".encode()).hexdigest()[:40]
        self.token_key = f"payments:paypal-token:{digest}"
        credentials = ClientCredentialsAuthCredentials(
            o_auth_client_id=client_id,
            o_auth_client_secret=secret,
            o_auth_token=self._cached_token(),
            o_auth_on_token_update=self._store_token,
        )
        self.sdk = PaypalServersdkClient(
            config=_Configuration(
                environment=environment,
                timeout=settings.PAYPAL_TIMEOUT,
                max_retries=settings.PAYPAL_MAX_NETWORK_RETRIES,
                # Every POST we make carries a PayPal-Request-Id (or, for the signature check,
                # changes nothing), so retrying one is safe.
                retry_methods=["GET", "POST"],
                client_credentials_auth_credentials=credentials,
            )
        )
        self.webhooks = _WebhooksController(self.sdk.global_configuration)

    def _cached_token(self) -> OAuthToken | None:
        data = cache.get(self.token_key)
        if not isinstance(data, dict):
            return None
        return OAuthToken(
            access_token=data["access_token"],
            token_type=data["token_type"],
            expires_in=data["expires_in"],
            expiry=data["expiry"],
        )

    def _store_token(self, token: OAuthToken) -> None:
        expires_in = int(getattr(token, "expires_in", 0) or 0)
        if not getattr(token, "access_token", None) or expires_in <= 120:
            return
        data = {
            "access_token": token.access_token,
            "token_type": token.token_type,
            "expires_in": expires_in,
            "expiry": getattr(token, "expiry", None),
        }
        cache.set(self.token_key, data, timeout=expires_in - 60)

    def call(self, action: str, method: Any, options: Any) -> dict:
        """Run one SDK call; its JSON answer as a dict. Raises ErrorException for PayPal's
        answers with an error (the caller decides what a 4xx means), PaymentProviderError when
        PayPal cannot be reached, times out, fails (5xx) or refuses our credentials."""
        try:
            response = method(options)
        except AuthValidationException as exc:
            logger.warning("paypal %s failed: no OAuth token", action)
            # The token call was refused (wrong client ID or secret, or the other
            # environment's) or failed; the SDK keeps which one to itself.
            raise PaymentProviderError(
                f"PayPal gave no access token for this store's client ID and secret, so it "
                f"could not {action}.",
                extra={"provider_code": "AUTHENTICATION_FAILURE"},
            ) from exc
        except requests.RequestException as exc:
            logger.warning("paypal %s failed: %s", action, type(exc).__name__)
            raise PaymentProviderError(
                f"PayPal could not be reached to {action}: please try again.",
                extra={"provider_code": type(exc).__name__},
            ) from exc
        except ApiException as exc:
            if exc.response_code == 401:  # a cached token PayPal no longer accepts
                cache.delete(self.token_key)
            if (
                exc.response_code >= 500
                or exc.response_code == 401
                or not isinstance(exc, ErrorException)
            ):
                logger.warning("paypal %s failed: HTTP %s", action, exc.response_code)
                raise PaymentProviderError(
                    f"PayPal could not {action}: please try again.",
                    extra={"provider_code": getattr(exc, "name", None) or ""},
                ) from exc
            raise
        try:
            body = json.loads(response.text or "{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise PaymentProviderError(f"PayPal's answer could not be read ({action}).")
        return body


def _issue(exc: ErrorException) -> str:
    """The first ``details[].issue`` of a PayPal error (INSTRUMENT_DECLINED, …), or its name."""
    for detail in getattr(exc, "details", None) or ():
        issue = getattr(detail, "issue", None)
        if issue:
            return str(issue)
    return str(getattr(exc, "name", None) or "")


class PayPalGateway(PaymentGateway):
    name = NAME
    label = "PayPal"
    settings_fields = (
        SettingField(
            "mode", "Environment", choices=((SANDBOX, "Sandbox (test payments)"), (LIVE, "Live")),
            help_text="Sandbox takes test payments from PayPal sandbox accounts; live takes "
            "real money. The client ID and secret must be of the same environment.",
        ),
        SettingField(
            "client_id", "Client ID",
            help_text="developer.paypal.com → Apps & Credentials → your REST app (Sandbox or "
            "Live tab).",
        ),
        SettingField("client_secret", "Secret", secret=True, help_text="From the same app."),
        SettingField(
            "webhook_id", "Webhook ID", required=False,
            help_text="Of the app's webhook https://<store host>/payments/paypal/webhook/ "
            "(CHECKOUT.ORDER.APPROVED, PAYMENT.CAPTURE.COMPLETED, PAYMENT.CAPTURE.DENIED, "
            "PAYMENT.CAPTURE.REFUNDED). Without it, payments are confirmed only when "
            "shoppers come back from PayPal.",
        ),
    )  # fmt: skip
    page_template = "payments/gateways/paypal.html"

    def test_mode(self, config: GatewayConfig) -> bool:
        return config.get("mode") != LIVE

    def check_config(self, config: GatewayConfig) -> dict[str, list[str]]:
        """Live only where the platform takes real payments (``ALLOW_LIVE_PAYMENTS``); the
        store's currency must be one PayPal takes."""
        if config.get("mode") == LIVE and not settings.ALLOW_LIVE_PAYMENTS:
            return {"mode": ["Live PayPal is not accepted on this platform: use the sandbox."]}
        currency = getattr(connection.tenant, "currency", "")
        if config.get("client_id") and currency and currency not in CURRENCIES:
            return {"client_id": [f"PayPal does not take payments in {currency}."]}
        return {}

    def webhook_signature(self, headers: Mapping[str, str]) -> str:
        # PayPal signs with five headers; parse_webhook gets them as one JSON object.
        return json.dumps(
            {field: headers.get(header, "") for field, header in SIGNATURE_HEADERS.items()}
        )

    def page_ready(self, payment: Payment) -> bool:
        # No approve link: PayPal could not be reached when the payment was opened, or the
        # PayPal order ended (a declined capture): open one now.
        return bool(payment.approval_url)

    def page_context(self, payment: Payment, *, return_url: str) -> dict[str, Any]:
        return {"approval_url": payment.approval_url}

    def retry_url(self, payment: Payment) -> str:
        # INSTRUMENT_DECLINED keeps the PayPal order: the shopper picks another funding source
        # on the same approve page (PayPal's documented recovery). A declined capture ended
        # the order (no approve link any more): our payment page opens a new one.
        return payment.approval_url

    def create_payment(self, payment: Payment, *, return_url: str) -> PaymentStart:
        currency = payment.currency.upper()
        if currency not in CURRENCIES:
            raise GatewayNotConfigured(f"PayPal does not take payments in {currency}.")
        client = _Client(get_gateway_config(NAME))
        store = tenant_selectors.get_current_store()
        order = payment.order
        experience = PaypalWalletExperienceContext(
            brand_name=store.name[:127],
            shipping_preference=PaypalWalletContextShippingPreference.NO_SHIPPING,
            user_action=PaypalExperienceUserAction.PAY_NOW,
            return_url=public_urls.store_url(
                store, reverse("payments:return", kwargs={"token": payment.token})
            ),
            cancel_url=public_urls.store_url(
                store, reverse("payments:cancel", kwargs={"token": payment.token})
            ),
        )
        body = OrderRequest(
            intent=CheckoutPaymentIntent.CAPTURE,
            purchase_units=[
                PurchaseUnitRequest(
                    amount=AmountWithBreakdown(
                        currency_code=currency, value=paypal_value(payment.amount, currency)
                    ),
                    invoice_id=str(order.number),
                    custom_id=custom_id(payment),
                    description=f"Order #{order.number}"[:127],
                )
            ],
            payment_source=PaymentSource(paypal=PaypalWallet(experience_context=experience)),
        )
        try:
            created = client.call(
                "start the payment",
                client.sdk.orders.create_order,
                {
                    "body": body,
                    # From the payment row: a retried call returns the same PayPal order.
                    "paypal_request_id": f"payment-{payment.idempotency_key}",
                    "prefer": "return=minimal",
                },
            )
        except ErrorException as exc:
            logger.warning("paypal create order rejected: %s", _issue(exc))
            raise PaymentProviderError(
                f"PayPal could not start the payment ({_issue(exc) or 'rejected'}).",
                extra={"provider_code": _issue(exc)},
            ) from exc
        approval_url = _link(created, "payer-action") or _link(created, "approve")
        order_id = _str(created.get("id"))
        if not order_id or not approval_url:
            raise PaymentProviderError("PayPal's answer has no order id or approve link.")
        return PaymentStart(
            payment_id=payment.id,
            external_id=order_id,
            redirect_url=payment_page_url(payment),
            approval_url=approval_url,
        )

    def retrieve_payment(self, payment: Payment) -> GatewayEvent:
        """Capture the approved PayPal order (the money is taken only by this call) and report
        the capture. An order the shopper has not approved yet is left alone."""
        if not payment.external_id:
            return GatewayEvent(id="", type="retrieve", kind=EventKind.IGNORED)
        client = _Client(get_gateway_config(NAME))
        options = {
            "id": payment.external_id,
            # A retry of the same attempt (a timeout) gets PayPal's first answer back; an
            # attempt after a recorded failure (INSTRUMENT_DECLINED, then a new approval)
            # is a new request: the payment row changed in between.
            "paypal_request_id": f"capture-{payment.idempotency_key}-"
            f"{int(payment.updated_at.timestamp() * 1000)}",
            "prefer": "return=representation",
        }
        try:
            order = client.call("take the payment", client.sdk.orders.capture_order, options)
        except ErrorException as exc:
            issue = _issue(exc)
            if issue == "INSTRUMENT_DECLINED":
                return GatewayEvent(
                    id=f"capture:{payment.external_id}",
                    type="capture",
                    kind=EventKind.PAYMENT_FAILED,
                    payment_external_id=payment.external_id,
                    failure_message=INSTRUMENT_DECLINED_MESSAGE,
                )
            if issue in ("ORDER_NOT_APPROVED", "PAYER_ACTION_REQUIRED"):
                # Back without approving (the browser's back button): nothing to take yet.
                return GatewayEvent(id="", type="capture", kind=EventKind.IGNORED)
            if issue != "ORDER_ALREADY_CAPTURED":
                # Any other refusal (an expired or voided order, a restricted payee account):
                # this PayPal order will not be captured. Fail visibly, and let the next try
                # open a new one, rather than leave the shopper "awaiting payment" (and a
                # webhook answered 502 and redelivered for a refusal that will not change).
                logger.warning("paypal capture rejected: %s", issue)
                return GatewayEvent(
                    id=f"capture:{payment.external_id}",
                    type="capture",
                    kind=EventKind.PAYMENT_FAILED,
                    payment_external_id=payment.external_id,
                    failure_message=f"PayPal could not take the payment ({issue or 'refused'}). "
                    "Please try again.",
                    restart=True,
                )
            # Captured already (by the webhook, or a capture whose answer was lost): read it.
            order = client.call(
                "report the payment status",
                client.sdk.orders.get_order,
                {"id": payment.external_id},
            )
        return _order_event(order, event_id=f"capture:{payment.external_id}", event_type="capture")

    def refund(self, payment: Payment, *, amount: Decimal, idempotency_key: str) -> GatewayRefund:
        client = _Client(get_gateway_config(NAME))
        order = client.call(
            "find the payment to refund", client.sdk.orders.get_order, {"id": payment.external_id}
        )
        capture = _completed_capture(order)
        if capture is None:
            raise RefundRejected("PayPal has no completed capture for this payment to refund.")
        body = RefundRequest(
            amount=Money(
                currency_code=payment.currency, value=paypal_value(amount, payment.currency)
            ),
            # Our refund's key comes back in the refund's webhook: an event that beats this
            # call's answer still books our pending row, once.
            custom_id=idempotency_key,
            invoice_id=f"{payment.order.number}-{idempotency_key[:8]}",
        )
        try:
            refund = client.call(
                "refund the payment",
                client.sdk.payments.refund_captured_payment,
                {
                    "capture_id": capture["id"],
                    "paypal_request_id": f"refund-{idempotency_key}",
                    "prefer": "return=representation",
                    "body": body,
                },
            )
        except ErrorException as exc:
            issue = _issue(exc)
            logger.warning("paypal refund rejected: %s", issue)
            raise RefundRejected(
                f"PayPal rejected the refund: {issue or 'unknown reason'}",
                extra={"provider_code": issue},
            ) from exc
        return _refund_from(
            refund, payment_external_id=payment.external_id or "", default_amount=amount,
            default_currency=payment.currency,
        )  # fmt: skip

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        config = get_gateway_config(NAME)
        webhook_id = config.get("webhook_id")
        if not webhook_id:
            raise InvalidWebhook("PayPal webhooks are not configured for this store.")
        try:
            headers = json.loads(signature_header or "{}")
            event = json.loads(payload)
            raw_event = payload.decode()
        except ValueError as exc:  # not UTF-8 or not JSON
            raise InvalidWebhook("The webhook body is not valid JSON.") from exc
        if not isinstance(headers, dict) or not all(
            isinstance(headers.get(field), str) and headers[field] for field in SIGNATURE_HEADERS
        ):
            raise InvalidWebhook("Missing PayPal signature headers.")
        resource = event.get("resource") if isinstance(event, dict) else None
        event_id, event_type = (event.get("id"), event.get("event_type")) if resource else ("", "")
        if not isinstance(event_id, str) or not event_id or not isinstance(resource, dict):
            raise InvalidWebhook("The webhook body is not a PayPal event.")
        client = _Client(config)
        self._verify(client, headers, webhook_id, raw_event)
        event_type = _str(event_type)
        if event_type == "CHECKOUT.ORDER.APPROVED":
            store, token = _parse_custom_id(_purchase_unit(resource).get("custom_id"))
            return GatewayEvent(
                id=event_id,
                type=event_type,
                kind=EventKind.PAYMENT_APPROVED,
                payment_external_id=_str(resource.get("id")),
                payment_token=token,
                store=store,
            )
        if event_type in CAPTURE_EVENTS:
            return _capture_event(resource, event_id=event_id, event_type=event_type)
        if event_type == "PAYMENT.CAPTURE.REFUNDED":
            return self._refund_event(client, event_id, resource)
        return GatewayEvent(id=event_id, type=event_type, kind=EventKind.IGNORED)

    def _verify(self, client: _Client, headers: dict, webhook_id: str, raw_event: str) -> None:
        """Ask PayPal whether this delivery is genuine (its documented verify call). The event
        is spliced in as received: re-serialized JSON would not match PayPal's signature."""
        fields = {field: headers[field] for field in SIGNATURE_HEADERS}
        body = json.dumps({**fields, "webhook_id": webhook_id})[:-1] + (
            f', "webhook_event": {raw_event}}}'
        )
        try:
            answer = client.call(
                "verify the webhook", client.webhooks.verify_webhook_signature, body
            )
        except ErrorException as exc:
            raise InvalidWebhook(f"PayPal refused to verify the webhook ({_issue(exc)}).") from exc
        if answer.get("verification_status") != "SUCCESS":
            raise InvalidWebhook("The webhook signature is invalid.")

    def _refund_event(self, client: _Client, event_id: str, refund: dict) -> GatewayEvent:
        """A refund names its capture only by link: ask PayPal for the capture, which names its
        PayPal order (our payment's external id) and our payment (custom_id)."""
        capture_id = _capture_id_of(refund)
        if not capture_id:
            raise InvalidWebhook("The PayPal refund names no capture.")
        try:
            capture = client.call(
                "read the refunded payment",
                client.sdk.payments.get_captured_payment,
                {"capture_id": capture_id},
            )
        except ErrorException as exc:
            raise PaymentProviderError(
                f"PayPal could not read capture {capture_id} ({_issue(exc)})."
            ) from exc
        order_id = _str(((capture.get("supplementary_data") or {}).get("related_ids") or {}).get(
            "order_id"
        ))  # fmt: skip
        store, token = _parse_custom_id(capture.get("custom_id"))
        return GatewayEvent(
            id=event_id,
            type="PAYMENT.CAPTURE.REFUNDED",
            kind=EventKind.REFUNDS,
            payment_external_id=order_id,
            payment_token=token,
            store=store,
            refunds=(_refund_from(refund, payment_external_id=order_id),),
        )


def _link(obj: dict, rel: str) -> str:
    for link in obj.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == rel:
            return _str(link.get("href"))
    return ""


def _capture_id_of(refund: dict) -> str:
    """The capture a refund belongs to, from its ``up`` link (…/v2/payments/captures/<id>)."""
    href = _link(refund, "up")
    prefix, _, capture_id = href.rpartition("/captures/")
    return capture_id.strip("/") if prefix else ""


def _purchase_unit(order: dict) -> dict:
    units = order.get("purchase_units")
    unit = units[0] if isinstance(units, list) and units else {}
    return unit if isinstance(unit, dict) else {}


def _captures(order: dict) -> list[dict]:
    payments = _purchase_unit(order).get("payments") or {}
    captures = payments.get("captures") if isinstance(payments, dict) else None
    return [c for c in captures or () if isinstance(c, dict)]


def _completed_capture(order: dict) -> dict | None:
    for capture in _captures(order):
        if capture.get("status") in ("COMPLETED", "PARTIALLY_REFUNDED") and capture.get("id"):
            return capture
    return None


def _order_event(order: dict, *, event_id: str, event_type: str) -> GatewayEvent:
    """A captured (or capture-declined) PayPal order, as the capture it holds."""
    captures = _captures(order)
    if not captures:
        return GatewayEvent(id=event_id, type=event_type, kind=EventKind.IGNORED)
    # The completed capture if any (there is at most one for intent CAPTURE), else the last.
    capture = _completed_capture(order) or captures[-1]
    capture = {
        **capture,
        "custom_id": capture.get("custom_id") or _purchase_unit(order).get("custom_id"),
        "supplementary_data": {"related_ids": {"order_id": order.get("id")}},
    }
    return _capture_event(capture, event_id=event_id, event_type=event_type)


def _capture_event(capture: dict, *, event_id: str, event_type: str) -> GatewayEvent:
    status = _str(capture.get("status"))
    if status in ("PARTIALLY_REFUNDED", "REFUNDED"):
        status = "COMPLETED"  # refunded later: it was taken
    kind = CAPTURE_KINDS.get(status, EventKind.IGNORED)
    related = (capture.get("supplementary_data") or {}).get("related_ids") or {}
    store, token = _parse_custom_id(capture.get("custom_id"))
    amount, currency = _money(capture.get("amount"))
    reason = _str((capture.get("status_details") or {}).get("reason"))
    return GatewayEvent(
        id=event_id,
        type=event_type,
        kind=kind,
        payment_external_id=_str(related.get("order_id") if isinstance(related, dict) else ""),
        payment_token=token,
        store=store,
        amount=amount,
        currency=currency,
        failure_message=DECLINED_MESSAGE if kind == EventKind.PAYMENT_FAILED else "",
        # A declined capture completes the PayPal order: a retry needs a new order.
        restart=kind == EventKind.PAYMENT_FAILED,
        note=f"capture {status.lower() or 'unknown'} {reason}".strip(),
    )


def _refund_from(
    refund: dict,
    *,
    payment_external_id: str,
    default_amount: Decimal | None = None,
    default_currency: str = "",
) -> GatewayRefund:
    if refund.get("amount") is None and default_amount is not None:
        amount, currency = default_amount, default_currency.upper()
    else:
        amount, currency = _money(refund.get("amount"))
    return GatewayRefund(
        external_id=_str(refund.get("id")),
        amount=amount,
        currency=currency,
        status=REFUND_STATUSES.get(_str(refund.get("status")), "failed"),
        payment_external_id=payment_external_id,
        idempotency_key=_str(refund.get("custom_id")),
    )
