"""The built-in test gateway: a hosted card page on the store itself, Stripe's test cards.

No money moves and no network is involved. Card data is only looked at to pick the outcome;
it is never stored or logged.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from apps.payments.exceptions import InvalidWebhook
from apps.payments.gateways.base import (
    EventKind,
    GatewayEvent,
    GatewayRefund,
    PaymentStart,
    payment_page_url,
)
from apps.payments.models import Payment


@dataclass(frozen=True)
class CardOutcome:
    approved: bool
    code: str = ""
    message: str = ""


APPROVED = CardOutcome(approved=True)
DECLINED = CardOutcome(False, "card_declined", "Your card was declined.")
# Stripe's test card numbers and what they do (https://docs.stripe.com/testing).
TEST_CARDS = {
    "4242424242424242": APPROVED,
    "4000000000000002": DECLINED,
    "4000000000009995": CardOutcome(
        False, "insufficient_funds", "Your card has insufficient funds."
    ),
}


def charge_card(card_number: str) -> CardOutcome:
    """The outcome for a (digits-only) card number: any number not listed is declined."""
    return TEST_CARDS.get(card_number, DECLINED)


class TestGateway:
    name = "test"
    signature_header = ""
    __test__ = False  # not a pytest class

    def create_payment(self, payment: Payment, *, return_url: str) -> PaymentStart:
        return PaymentStart(
            payment_id=payment.id,
            external_id=self.local_external_id(payment),
            redirect_url=payment_page_url(payment),
        )

    def local_external_id(self, payment: Payment) -> str:
        """The id ``create_payment`` will answer, known without asking anyone (optional
        gateway method: the payment row is then written with it at once)."""
        return f"test_pay_{payment.token.hex}"

    def refund(self, payment: Payment, *, amount: Decimal, idempotency_key: str) -> GatewayRefund:
        # Deterministic id: the same idempotency key is the same refund, as at a real provider.
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return GatewayRefund(
            external_id=f"test_re_{digest}",
            amount=amount,
            currency=payment.currency,
            status="succeeded",
            payment_external_id=payment.external_id or "",
            idempotency_key=idempotency_key,
        )

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        raise InvalidWebhook("The test gateway sends no webhooks.")

    def retrieve_payment(self, payment: Payment) -> GatewayEvent:
        # The hosted page completes payments synchronously; there is nothing to ask.
        return GatewayEvent(id="", type="retrieve", kind=EventKind.IGNORED)
