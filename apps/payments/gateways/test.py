"""The built-in test gateway: a hosted card page on the store itself, Stripe's test cards.

No money moves and no network is involved. Card data is only looked at to pick the outcome;
it is never stored, logged or echoed back (the card form never writes a submitted number back
into the page). Its whole footprint: this module, ``templates/payments/gateways/test.html`` and
``tests/payments/test_test_gateway.py``.
"""

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from apps.core.widgets import PlainTextInput
from apps.payments.gateways.base import (
    ChargeOutcome,
    GatewayConfig,
    GatewayRefund,
    PaymentGateway,
    PaymentStart,
    payment_page_url,
)
from apps.payments.models import Payment

# Kept under its former name: the outcome of a test card.
CardOutcome = ChargeOutcome
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


class BlankOnRerender(PlainTextInput):
    """A text input that never writes its submitted value back into the page."""

    def format_value(self, value):
        return None


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


class TestCardForm(forms.Form):
    """The test gateway's card form. Card data is validated and handed on, never stored."""

    __test__ = False  # not a pytest class

    number = forms.CharField(
        label="Card number",
        max_length=30,
        widget=BlankOnRerender(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric",
                   "placeholder": "4242 4242 4242 4242"}
        ),
    )  # fmt: skip
    expiry = forms.CharField(
        label="Expiry (MM/YY)",
        max_length=7,
        widget=BlankOnRerender(attrs={"autocomplete": "cc-exp", "placeholder": "12/34"}),
    )
    cvc = forms.CharField(
        label="CVC",
        max_length=4,
        widget=BlankOnRerender(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    name = forms.CharField(
        label="Name on card",
        max_length=100,
        widget=PlainTextInput(attrs={"autocomplete": "cc-name"}),
    )

    def clean_number(self) -> str:
        digits = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
            raise forms.ValidationError("Enter a valid card number.")
        return digits

    def clean_expiry(self) -> date:
        match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not match or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError("Enter the expiry date as MM/YY.")
        month, year = int(match[1]), int(match[2])
        year = year + 2000 if year < 100 else year
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError("This card has expired.")
        return date(year, month, 1)

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3,4}", cvc):
            raise forms.ValidationError("Enter the 3 or 4 digits on the back of the card.")
        return cvc


class TestGateway(PaymentGateway):
    name = "test"
    label = "Test gateway (no real payments)"
    page_template = "payments/gateways/test.html"
    page_form = TestCardForm
    __test__ = False  # not a pytest class

    def test_mode(self, config: GatewayConfig) -> bool:
        return True

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

    # parse_webhook: the base answers InvalidWebhook (the test gateway sends no webhooks);
    # retrieve_payment: the base answers "nothing to report" (the page completes payments
    # synchronously).

    def page_context(self, payment: Payment, *, return_url: str) -> dict[str, Any]:
        return {
            "test_cards": [
                (f"{n[0:4]} {n[4:8]} {n[8:12]} {n[12:]}", outcome.message or "Succeeds")
                for n, outcome in TEST_CARDS.items()
            ]
        }

    def charge_on_page(self, payment: Payment, data: Mapping[str, Any]) -> ChargeOutcome:
        return charge_card(data["number"])
