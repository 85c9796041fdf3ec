"""The one interface every payment gateway implements, and the plain values it returns.

Gateways talk to the provider and translate its answers; they never write to the database.
Services decide what an answer means for the payment and the order.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from django.urls import reverse

if TYPE_CHECKING:
    from apps.payments.models import Payment


def payment_page_url(payment: "Payment") -> str:
    """Our hosted payment page for this payment (the card form or Stripe's Payment Element)."""
    return reverse("payments:pay", kwargs={"token": payment.token})


@dataclass(frozen=True)
class PaymentStart:
    """Where the shopper goes next: our payment page, plus what a JS widget needs."""

    payment_id: int
    external_id: str
    redirect_url: str
    client_secret: str = ""


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
    refunds: tuple[GatewayRefund, ...] = field(default_factory=tuple)


class PaymentGateway(Protocol):
    name: str
    signature_header: str  # the HTTP header carrying the webhook signature

    def create_payment(self, payment: "Payment", *, return_url: str) -> PaymentStart:
        """Open the payment at the provider. Called outside any transaction."""
        ...

    def refund(self, payment: "Payment", *, amount: Decimal, idempotency_key: str) -> GatewayRefund:
        """Refund part or all of a captured payment; raises RefundRejected or
        PaymentProviderError. The same idempotency key never refunds twice."""
        ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        """Verify a webhook's signature and normalize it; raises InvalidWebhook."""
        ...

    def retrieve_payment(self, payment: "Payment") -> GatewayEvent:
        """Ask the provider for the payment's current state (used on the return URL)."""
        ...
