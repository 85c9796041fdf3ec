"""The one interface every payment gateway implements, and the plain values it returns.

A gateway is one module in this package declaring everything about itself: its name and
label, the per-store settings it needs (``settings_fields``; secrets are write-only), its
payment page (``page_template``, ``page_context`` and, for gateways that take details on our
page, ``page_form`` and ``charge_on_page``) and its webhook handler (``parse_webhook``, served
at ``/payments/<name>/webhook/``). The registry (``apps.payments.gateways``) lists the modules'
gateways; the payment page, the webhook view, the store settings page and the API read it.

Gateways talk to the provider and translate its answers; they never write to the database.
Services decide what an answer means for the payment and the order.
"""

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.payments.exceptions import InvalidWebhook, PaymentNotAllowed

if TYPE_CHECKING:
    from apps.payments.models import Payment


def payment_page_url(payment: "Payment") -> str:
    """Our hosted payment page for this payment (``views.pay`` renders the gateway's page)."""
    return reverse("payments:pay", kwargs={"token": payment.token})


@dataclass(frozen=True)
class PaymentStart:
    """Where the shopper goes next: our payment page, plus what a JS widget needs."""

    payment_id: int
    external_id: str
    redirect_url: str
    client_secret: str = ""
    # The provider's page where the shopper approves the payment (PayPal's approve link).
    approval_url: str = ""


@dataclass(frozen=True)
class GatewayRefund:
    external_id: str
    amount: Decimal
    currency: str
    status: str  # "succeeded" | "pending" | "failed" | "canceled"
    payment_external_id: str = ""
    # Our Refund.idempotency_key, echoed back in the provider's metadata when we made it.
    idempotency_key: str = ""

    @property
    def settled(self) -> bool:
        """The provider has refunded (or is refunding) the money: book it."""
        return self.status in ("succeeded", "pending")


class EventKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_PROCESSING = "payment_processing"
    # The shopper approved at the provider; the money is taken by our own call (PayPal's
    # capture): the service asks the gateway (``retrieve_payment``) outside any transaction.
    PAYMENT_APPROVED = "payment_approved"
    REFUNDS = "refunds"
    IGNORED = "ignored"


@dataclass(frozen=True)
class GatewayEvent:
    """A provider event (or a status fetched from the provider), normalized."""

    id: str
    type: str
    kind: EventKind
    payment_external_id: str = ""
    # Our Payment.token and store schema, echoed back from the provider's metadata.
    payment_token: str = ""
    store: str = ""
    amount: Decimal | None = None
    currency: str = ""
    failure_message: str = ""
    # A failure that ends the provider's payment object (a declined PayPal capture completes
    # the PayPal order): a retry needs a new one, opened with a new idempotency key.
    restart: bool = False
    refunds: tuple[GatewayRefund, ...] = field(default_factory=tuple)
    note: str = ""  # why an IGNORED event is ignored (the webhook log's outcome)


@dataclass(frozen=True)
class ChargeOutcome:
    """The answer to a charge taken on our own payment page (``charge_on_page``)."""

    approved: bool
    code: str = ""
    message: str = ""


@dataclass(frozen=True)
class SettingField:
    """One per-store setting a gateway needs; the store settings page renders it.

    A secret is write-only everywhere: never rendered back (the page says "set" or "not set"),
    a blank input keeps the stored value. ``required`` fields must be set before the store can
    select the gateway.
    """

    key: str
    label: str
    secret: bool = False
    required: bool = True
    prefixes: tuple[str, ...] = ()  # accepted beginnings, e.g. ("pk_",)
    help_text: str = ""
    max_length: int = 255
    # (value, label) pairs when the setting is one of a few values (PayPal's sandbox/live).
    choices: tuple[tuple[str, str], ...] = ()

    def clean(self, value: str) -> str:
        """The value as stored; raises ValidationError for a value of the wrong kind."""
        value = value.strip()
        if len(value) > self.max_length:
            raise ValidationError(f"{self.label}: at most {self.max_length} characters.")
        if value and self.choices and value not in dict(self.choices):
            allowed = " or ".join(f"“{choice}”" for choice, _ in self.choices)
            raise ValidationError(f"{self.label} is {allowed}.")
        if value and self.prefixes and not value.startswith(self.prefixes):
            beginnings = " or ".join(f"“{prefix}”" for prefix in self.prefixes)
            raise ValidationError(f"{self.label} starts with {beginnings}.")
        return value


@dataclass(frozen=True)
class GatewayConfig:
    """One store's settings for one gateway: declared non-secret values and secrets."""

    values: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key) or self.secrets.get(key) or ""

    def missing(self, fields: tuple[SettingField, ...]) -> list[SettingField]:
        """The required fields that have no value."""
        return [f for f in fields if f.required and not self.get(f.key)]


class PaymentGateway(abc.ABC):
    """What every gateway declares and does. Subclasses override what applies to them.

    Instances are stateless singletons listed in the registry; per-store configuration is read
    on each call (``selectors.get_gateway_config(name)``). ``create_payment`` and ``refund`` are
    abstract: a gateway without them cannot be instantiated, so the registry fails at import.
    """

    name: str = ""
    label: str = ""
    # The store's settings for this gateway (store settings page; secrets write-only).
    settings_fields: tuple[SettingField, ...] = ()
    # The shopper's payment page on the store host, rendered with ``page_context``.
    page_template: str = ""
    # A form posted to our payment page (only gateways that take details on the page).
    page_form: type[forms.Form] | None = None
    # What the payment page may load beyond this host, added to the storefront's
    # Content-Security-Policy on that page only: {"script-src": ["https://js.example.com"]}.
    page_csp: Mapping[str, Sequence[str]] = {}
    signature_header: str = ""  # the HTTP header carrying the webhook signature

    def test_mode(self, config: GatewayConfig) -> bool:
        """Whether payments with these settings move no real money (the test gateway; test
        keys). Test mode works only where the platform allows it (``ALLOW_TEST_PAYMENTS``)."""
        return False

    def check_config(self, config: GatewayConfig) -> dict[str, list[str]]:
        """Errors (keyed by setting) of the settings taken together, e.g. keys of different
        modes; each field on its own is checked by ``SettingField.clean``."""
        return {}

    def chargeable_amount(self, amount: Decimal, currency: str) -> Decimal:
        """What the provider can charge for ``amount`` due: the payment row's amount, which
        settles the whole amount due (Stripe rounds three-decimal currencies to its step)."""
        return amount

    @abc.abstractmethod
    def create_payment(self, payment: "Payment", *, return_url: str) -> PaymentStart:
        """Open the payment at the provider. Called outside any transaction."""

    @abc.abstractmethod
    def refund(self, payment: "Payment", *, amount: Decimal, idempotency_key: str) -> GatewayRefund:
        """Refund part or all of a captured payment; raises RefundRejected or
        PaymentProviderError. The same idempotency key never refunds twice."""

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        """Verify a webhook's signature and normalize it; raises InvalidWebhook."""
        raise InvalidWebhook(f"The {self.name} gateway sends no webhooks.")

    def webhook_signature(self, headers: Mapping[str, str]) -> str:
        """What ``parse_webhook`` receives as ``signature_header``, from the request's headers:
        ``signature_header``'s value, or what a gateway signing with several headers packs."""
        return headers.get(self.signature_header, "") if self.signature_header else ""

    def retrieve_payment(self, payment: "Payment") -> GatewayEvent:
        """Ask the provider for the payment's current state (used on the return URL). A
        gateway whose money is taken by our own call once the shopper approved (PayPal's
        capture) makes that call here. Called outside any transaction."""
        return GatewayEvent(id="", type="retrieve", kind=EventKind.IGNORED)

    def retry_url(self, payment: "Payment") -> str:
        """Where a shopper whose payment failed goes to try again ("" = our payment page);
        PayPal sends a declined funding source back to its approve page."""
        return ""

    def page_ready(self, payment: "Payment") -> bool:
        """Whether the payment page can be shown, or the payment must be started again
        first (the provider could not be reached when it was opened)."""
        return True

    def page_context(self, payment: "Payment", *, return_url: str) -> dict[str, Any]:
        """What the payment page template needs besides ``payment``, ``order`` and ``form``;
        ``return_url`` is the absolute address the provider sends the shopper back to."""
        return {}

    def charge_on_page(self, payment: "Payment", data: Mapping[str, Any]) -> ChargeOutcome:
        """Charge with the cleaned ``page_form`` data (no database writes; the service records
        the outcome). Only gateways with a ``page_form`` take payments on our page."""
        raise PaymentNotAllowed(f"The {self.name} gateway takes no payment on this page.")
