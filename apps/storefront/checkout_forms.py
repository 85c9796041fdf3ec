import copy

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django_countries import countries

from apps.cart.services import MAX_LINE_QUANTITY
from apps.checkout.addresses import clean_address, format_address
from apps.core.widgets import PlainEmailInput, PlainRadioSelect, PlainTextInput


class CartAddForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, initial=1)


class GiftCardRecipientForm(forms.Form):
    """A gift card's recipient on its product page (all optional: no email sends it to you)."""

    recipient_name = forms.CharField(label="Recipient's name", max_length=120, required=False)
    recipient_email = forms.EmailField(
        label="Recipient's email", required=False,
        help_text="The code is emailed here once the order is paid (blank: to you).",
    )  # fmt: skip
    message = forms.CharField(
        label="Message", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CartUpdateForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = forms.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)


EMAIL_INPUT = forms.EmailInput(attrs={"autocomplete": "email"})


def _text(autocomplete: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete})


class ContactForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=EMAIL_INPUT)


COUNTRY_CHOICES = [("", "Choose a country")] + list(countries)


class CountrySelect(forms.Select):
    """The country list (some 250 options), rendered by string joins: Django's per-option
    widget templates made it the most expensive part of the checkout page.

    The options' HTML is built once per process and language (country names are translated),
    and the selected one marked in that string.
    """

    _options_html: dict[tuple[str | None, int], tuple[object, str]] = {}

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = "" if value is None else str(value)
        options = self._all_options()
        if value:
            plain = f'<option value="{escape(value)}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        return format_html('<select name="{}"{}>', name, flatatt(attrs)) + mark_safe(
            options + "</select>"
        )

    def _all_options(self) -> str:
        key = (get_language(), id(self.choices))
        cached = self._options_html.get(key)
        if cached is None or cached[0] is not self.choices:  # another list under a reused id
            html = "".join(
                f'<option value="{escape(code)}">{escape(label)}</option>'
                for code, label in self.choices
            )
            cached = self._options_html[key] = (self.choices, html)
        return cached[1]

    def __deepcopy__(self, memo):
        # Every form copies its widgets: share the (never changed) country list instead of
        # copying and re-normalising some 250 choices each time.
        obj = copy.copy(self)
        obj.attrs = self.attrs.copy()
        memo[id(self)] = obj
        return obj


class CountryField(forms.ChoiceField):
    widget = CountrySelect

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)  # the choices are shared, not copied
        result._choices = self._choices
        return result


class AddressForm(forms.Form):
    # ``autocomplete`` tokens let browsers fill the address in (WCAG 1.3.5).
    full_name = forms.CharField(max_length=120, widget=_text("name"))
    line1 = forms.CharField(label="Address", max_length=120, widget=_text("address-line1"))
    line2 = forms.CharField(
        label="Apartment, suite, etc.",
        max_length=120,
        required=False,
        widget=_text("address-line2"),
    )
    city = forms.CharField(max_length=120, widget=_text("address-level2"))
    region = forms.CharField(
        label="State / region", max_length=120, required=False, widget=_text("address-level1")
    )
    postal_code = forms.CharField(max_length=16, widget=_text("postal-code"))
    country = CountryField(
        choices=COUNTRY_CHOICES, widget=CountrySelect(attrs={"autocomplete": "country"})
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            return clean_address(data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field, errors)
        return data


class ShippingMethodForm(forms.Form):
    method = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Delivery")

    def __init__(self, *args, options: list[dict], currency: str, requires_shipping: bool = True,
                 **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        # Gift cards alone: nothing to ship, no delivery method to choose.
        self.fields["method"].required = requires_shipping
        self.fields["method"].choices = [
            (o["method"].id, f"{o['method'].name} — {o['price']} {currency}") for o in options
        ]


class VoucherForm(forms.Form):
    code = forms.CharField(max_length=40, label="Voucher code")


ADDRESS_FIELDS = tuple(AddressForm.base_fields)
NEW_ADDRESS = "new"


class CheckoutForm(AddressForm):
    """The one-page checkout: contact, shipping address, delivery method and voucher.

    Delivery choices are the methods serving the address's country; without JavaScript the
    shopper changes the country and presses "Update delivery options" to see them.
    """

    email = forms.EmailField(max_length=254, widget=EMAIL_INPUT)
    method = forms.TypedChoiceField(
        coerce=int, widget=PlainRadioSelect, label="Delivery", empty_value=None
    )
    voucher = forms.CharField(max_length=40, label="Voucher code", required=False)
    # Signed-in customers only (the fields are removed for guests): a saved address instead of
    # the fields, and whether to save a new one to the address book.
    saved_address = forms.ChoiceField(label="Ship to", required=False, widget=PlainRadioSelect)
    save_address = forms.BooleanField(label="Save this address to my address book", required=False)

    field_order = ["email", *ADDRESS_FIELDS, "method", "voucher"]

    def __init__(
        self,
        *args,
        options: list[dict],
        currency: str,
        saved_addresses: list | None = None,
        requires_shipping: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # Gift cards alone: nothing to ship, no delivery method to choose.
        self.fields["method"].required = requires_shipping
        if saved_addresses is None:  # a guest
            del self.fields["saved_address"], self.fields["save_address"]
        elif not saved_addresses:
            del self.fields["saved_address"]
        else:
            self.fields["saved_address"].choices = [
                (str(a.pk), ", ".join(format_address(a.as_dict()))) for a in saved_addresses
            ] + [(NEW_ADDRESS, "A new address (below)")]
        self.fields["method"].choices = [
            (o["method"].id, f"{o['method'].name} — {o['price']} {currency}") for o in options
        ]
        # The page's dozen inputs without a template render each (most of the page's cost).
        for field in self.fields.values():
            plain = {forms.TextInput: PlainTextInput, forms.EmailInput: PlainEmailInput}
            if type(field.widget) in plain:
                widget = plain[type(field.widget)](attrs=field.widget.attrs)
                widget.input_type = field.widget.input_type  # "tel" for the phone
                widget.is_required = field.widget.is_required
                field.widget = widget

    def clean(self):
        others = dict(self.cleaned_data)
        address = super().clean() or {}  # the normalised address fields only
        return {**others, **address}

    def address(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in ADDRESS_FIELDS}

    def field_row(self, name: str) -> SafeString:
        """One labelled input with its errors (a template include per field cost more than the
        inputs themselves)."""
        field = self[name]
        errors = format_html_join("", "<li>{}</li>", ((error,) for error in field.errors))
        return format_html(
            '<div class="field"><label for="{}">{}</label> {}{}</div>',
            field.id_for_label,
            field.label,
            field,
            format_html('<ul class="errorlist">{}</ul>', errors) if field.errors else "",
        )


class ReturnRequestForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            returnable = line.quantity_fulfilled - line.quantity_returned
            self.fields[f"line_{line.id}"] = forms.IntegerField(
                label=f"{line.product_name} {line.variant_name}".strip(),
                min_value=0,
                max_value=returnable,
                initial=0,
                required=False,
            )

    def requested_lines(self) -> list[tuple[int, int]]:
        return [
            (line.id, self.cleaned_data.get(f"line_{line.id}") or 0)
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.id}")
        ]


class OrderLookupForm(forms.Form):
    number = forms.IntegerField(label="Order number", min_value=1, max_value=2**31 - 1)
    email = forms.EmailField(widget=EMAIL_INPUT)
