from django import forms

from apps.storefront.checkout_forms import AddressForm

NEW_PASSWORD = forms.PasswordInput(attrs={"autocomplete": "new-password"})


class SignupForm(forms.Form):
    first_name = forms.CharField(
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(label="Password", widget=NEW_PASSWORD, strip=False)
    password2 = forms.CharField(label="Password again", widget=NEW_PASSWORD, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class SavedAddressForm(AddressForm):
    """An address-book entry: the checkout's address fields plus the two defaults."""

    is_default_shipping = forms.BooleanField(label="Default shipping address", required=False)
    is_default_billing = forms.BooleanField(label="Default billing address", required=False)

    def clean(self):
        others = dict(self.cleaned_data)
        address = super().clean() or {}  # the normalised address fields only
        return {**others, **address}
