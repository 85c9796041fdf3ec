import copy

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django_countries import countries

from apps.cart.services import MAX_LINE_QUANTITY
from apps.checkout.addresses import clean_address
from apps.core.widgets import PlainEmailInput, PlainTextInput


class CartAddForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, initial=1)


class CartUpdateForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = forms.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)


class ContactForm(forms.Form):
    email = forms.EmailField(max_length=254)


COUNTRY_CHOICES = [("", "Choose a country")] + list(countries)


class CountrySelect(forms.Select):
    """The country list (some 250 options), rendered by string joins: Django's per-option
    widget templates made it the most expensive part of the checkout page."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(code)}"{" selected" if code == value else ""}>'
            f"{escape(label)}</option>"
            for code, label in self.choices
        )
        return format_html('<select name="{}"{}>', name, flatatt(attrs)) + mark_safe(
            options + "</select>"
        )

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
    full_name = forms.CharField(max_length=120)
    line1 = forms.CharField(label="Address", max_length=120)
    line2 = forms.CharField(label="Apartment, suite, etc.", max_length=120, required=False)
    city = forms.CharField(max_length=120)
    region = forms.CharField(label="State / region", max_length=120, required=False)
    postal_code = forms.CharField(max_length=16)
    country = CountryField(choices=COUNTRY_CHOICES)
    phone = forms.CharField(max_length=32, required=False)

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

    def __init__(self, *args, options: list[dict], currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [
            (o["method"].id, f"{o['method'].name} — {o['price']} {currency}") for o in options
        ]


class VoucherForm(forms.Form):
    code = forms.CharField(max_length=40, label="Voucher code")


ADDRESS_FIELDS = tuple(AddressForm.base_fields)


class CheckoutForm(AddressForm):
    """The one-page checkout: contact, shipping address, delivery method and voucher.

    Delivery choices are the methods serving the address's country; without JavaScript the
    shopper changes the country and presses "Update delivery options" to see them.
    """

    email = forms.EmailField(max_length=254)
    method = forms.TypedChoiceField(
        coerce=int, widget=forms.RadioSelect, label="Delivery", empty_value=None
    )
    voucher = forms.CharField(max_length=40, label="Voucher code", required=False)

    field_order = ["email", *ADDRESS_FIELDS, "method", "voucher"]

    def __init__(self, *args, options: list[dict], currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [
            (o["method"].id, f"{o['method'].name} — {o['price']} {currency}") for o in options
        ]
        # The page's dozen inputs without a template render each (most of the page's cost).
        for field in self.fields.values():
            plain = {forms.TextInput: PlainTextInput, forms.EmailInput: PlainEmailInput}
            if type(field.widget) in plain:
                widget = plain[type(field.widget)](attrs=field.widget.attrs)
                widget.is_required = field.widget.is_required
                field.widget = widget

    def clean(self):
        others = dict(self.cleaned_data)
        address = super().clean() or {}  # the normalised address fields only
        return {**others, **address}

    def address(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in ADDRESS_FIELDS}


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
    email = forms.EmailField()
