"""The test gateway's card form. Card data is validated and handed on, never stored or echoed."""

import re
from datetime import date

from django import forms
from django.utils import timezone

from apps.core.widgets import PlainTextInput


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
