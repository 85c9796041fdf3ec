from datetime import timedelta
from zoneinfo import available_timezones

from django import forms
from django_countries import countries

from apps.accounts import roles
from apps.dashboard import periods
from apps.preferences.models import StoreSettings

MAX_RANGE_DAYS = 3 * 366
CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "NZD", "JPY", "CHF", "SEK", "NOK", "DKK",
              "PLN", "CZK", "HUF", "INR", "BRL", "MXN", "SGD", "HKD", "ZAR"]  # fmt: skip


class DateRangeForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, zone, **kwargs):
        self.zone = zone
        default = periods.default_range(zone)
        data = data.copy() if data is not None else {}
        data.setdefault("start", default.first.isoformat())
        data.setdefault("end", default.last.isoformat())
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date must not be after the end date.")
            if end - start > timedelta(days=MAX_RANGE_DAYS):
                raise forms.ValidationError("Choose a range of at most three years.")
        return data

    def date_range(self) -> periods.DateRange:
        """The chosen range, or the last 30 days when the input is invalid."""
        if self.is_valid():
            data = self.cleaned_data
            return periods.DateRange(data["start"], data["end"], self.zone)
        return periods.default_range(self.zone)


class StoreSettingsForm(forms.Form):
    """The store settings page: the public Store row's profile plus the store's preferences.

    Secrets are write-only: their inputs are never filled in; left blank, the old value stays.
    """

    SECRET_FIELDS = ("stripe_secret_key", "stripe_webhook_secret")

    # Store profile (public tenants.Store row)
    name = forms.CharField(max_length=100)
    currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCIES])
    country = forms.ChoiceField(choices=list(countries))
    timezone = forms.ChoiceField(choices=[])
    prices_include_tax = forms.BooleanField(
        required=False,
        label="Prices include tax",
        help_text="Catalog prices already include tax (common in the EU); else tax is added.",
    )
    # Store preferences (this schema's StoreSettings row)
    reservation_minutes = forms.IntegerField(min_value=1, max_value=24 * 60)
    low_stock_threshold = forms.IntegerField(min_value=0, max_value=100000)
    moderate_reviews = forms.BooleanField(
        required=False, help_text="Hold new and edited reviews until staff publish them."
    )
    email_sender = forms.EmailField(required=False)
    abandoned_cart_hours = forms.IntegerField(
        min_value=1, max_value=24 * 14, label="Abandoned-cart reminder after (hours)"
    )
    payment_gateway = forms.ChoiceField(choices=StoreSettings.PaymentGateway.choices)
    stripe_publishable_key = forms.CharField(max_length=255, required=False)
    stripe_secret_key = forms.CharField(
        max_length=255,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    clear_stripe_secret_key = forms.BooleanField(required=False, label="Remove the secret key")
    stripe_webhook_secret = forms.CharField(
        max_length=255,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    clear_stripe_webhook_secret = forms.BooleanField(
        required=False, label="Remove the webhook secret"
    )

    PROFILE_FIELDS = ("name", "currency", "country", "timezone", "prices_include_tax")
    PREFERENCE_FIELDS = ("reservation_minutes", "low_stock_threshold", "moderate_reviews",
                         "email_sender", "abandoned_cart_hours", "payment_gateway",
                         "stripe_publishable_key")  # fmt: skip

    def __init__(self, *args, store, preferences: StoreSettings, **kwargs):
        initial = {name: getattr(store, name) for name in self.PROFILE_FIELDS}
        initial.update({name: getattr(preferences, name) for name in self.PREFERENCE_FIELDS})
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(available_timezones())]
        if store.currency not in CURRENCIES:
            self.fields["currency"].choices.insert(0, (store.currency, store.currency))
        self.secret_is_set = {name: bool(getattr(preferences, name)) for name in self.SECRET_FIELDS}
        for name in self.SECRET_FIELDS:
            state = "set — leave blank to keep it" if self.secret_is_set[name] else "not set"
            self.fields[name].help_text = f"Write-only; currently {state}."

    def clean(self):
        data = super().clean()
        if data.get("payment_gateway") == StoreSettings.PaymentGateway.STRIPE:
            has_secret = data.get("stripe_secret_key") or (
                self.secret_is_set["stripe_secret_key"] and not data.get("clear_stripe_secret_key")
            )
            if not has_secret or not data.get("stripe_publishable_key"):
                raise forms.ValidationError(
                    "The Stripe gateway needs a publishable key and a secret key."
                )
        return data

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}

    def preferences(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PREFERENCE_FIELDS}

    def secrets(self) -> dict:
        """New secret values only: a blank input keeps the old one, "remove" blanks it."""
        changes = {}
        for name in self.SECRET_FIELDS:
            if self.cleaned_data.get(f"clear_{name}"):
                changes[name] = ""
            elif self.cleaned_data.get(name):
                changes[name] = self.cleaned_data[name]
        return changes


class StaffInviteForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=roles.ROLE_CHOICES, initial="staff")
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="For a new account: the password they sign in with (tell them yourself). "
        "Leave blank when the email already has a customer account here.",
    )
