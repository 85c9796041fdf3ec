from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import available_timezones

from django import forms
from django_countries import countries

from apps.accounts import roles
from apps.dashboard import periods
from apps.payments.gateways import registry as gateway_registry
from apps.payments.gateways.base import GatewayConfig, PaymentGateway, SettingField
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
    """The store settings page: the public Store row's profile, the store's preferences and one
    section per payment gateway in the registry, built from the fields the gateway declares.

    A gateway field's input is named ``<gateway>_<key>`` (``stripe_secret_key``). Secrets are
    write-only: their inputs are never filled in; left blank, the old value stays; a
    ``clear_<gateway>_<key>`` box removes one.
    """

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
    payment_gateway = forms.ChoiceField(
        choices=gateway_registry.gateway_choices,
        label="Default payment method",
        help_text="Offered first: the payment page opens with it.",
    )
    # Stored with the default in one preference (``StoreSettings.payment_gateway``).
    other_payment_gateways = forms.MultipleChoiceField(
        choices=gateway_registry.gateway_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also offer",
        help_text="Shoppers choose among the enabled methods on the payment page (the default "
        "first, then these in this order).",
    )
    require_staff_two_factor = forms.BooleanField(
        required=False,
        label="Require two-factor sign-in for staff",
        help_text="Staff without an authenticator app are asked to set one up before they can "
        "use the admin.",
    )
    storefront_password = forms.CharField(
        max_length=60,
        required=False,
        help_text="Until you launch the store, visitors must enter this password (you and your "
        "staff never do). Leave it blank to keep the storefront open.",
    )

    PROFILE_FIELDS = ("name", "currency", "country", "timezone", "prices_include_tax")
    PREFERENCE_FIELDS = ("reservation_minutes", "low_stock_threshold", "moderate_reviews",
                         "email_sender", "abandoned_cart_hours", "payment_gateway",
                         "require_staff_two_factor", "storefront_password")  # fmt: skip

    def __init__(
        self,
        *args,
        store,
        preferences: StoreSettings,
        gateway_configs: Mapping[str, GatewayConfig],
        **kwargs,
    ):
        initial = {name: getattr(store, name) for name in self.PROFILE_FIELDS}
        initial.update({name: getattr(preferences, name) for name in self.PREFERENCE_FIELDS})
        enabled = gateway_registry.parse_gateway_list(preferences.payment_gateway)
        initial["payment_gateway"] = enabled[0] if enabled else preferences.payment_gateway
        initial["other_payment_gateways"] = enabled[1:]
        self.gateway_configs = gateway_configs
        for gateway in gateway_registry.GATEWAYS.values():
            config = gateway_configs[gateway.name]
            for setting in gateway.settings_fields:
                if not setting.secret:
                    initial[_input_name(gateway, setting)] = config.values.get(setting.key, "")
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(available_timezones())]
        if store.currency not in CURRENCIES:
            self.fields["currency"].choices.insert(0, (store.currency, store.currency))
        for gateway in gateway_registry.GATEWAYS.values():
            for setting in gateway.settings_fields:
                self._add_gateway_field(gateway, setting, gateway_configs[gateway.name])

    def _add_gateway_field(
        self, gateway: PaymentGateway, setting: SettingField, config: GatewayConfig
    ) -> None:
        name = _input_name(gateway, setting)
        if setting.choices:
            self.fields[name] = forms.ChoiceField(
                label=setting.label, choices=[("", "—"), *setting.choices], required=False,
                help_text=setting.help_text,
            )  # fmt: skip
            return
        if not setting.secret:
            self.fields[name] = forms.CharField(
                label=setting.label, max_length=setting.max_length, required=False,
                help_text=setting.help_text,
            )  # fmt: skip
            return
        state = "set — leave blank to keep it" if config.secrets.get(setting.key) else "not set"
        help_text = " ".join(filter(None, [setting.help_text, f"Write-only; currently {state}."]))
        self.fields[name] = forms.CharField(
            label=setting.label,
            max_length=setting.max_length,
            required=False,
            strip=True,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            help_text=help_text,
        )
        self.fields[f"clear_{name}"] = forms.BooleanField(
            required=False, label=f"Remove the {setting.label.lower()}"
        )

    def clean(self):
        data = super().clean()
        for gateway in gateway_registry.GATEWAYS.values():
            for setting in gateway.settings_fields:
                name = _input_name(gateway, setting)
                if data.get(name):
                    try:
                        data[name] = setting.clean(data[name])
                    except forms.ValidationError as exc:
                        self.add_error(name, exc)
        for gateway in gateway_registry.GATEWAYS.values():
            if not gateway.settings_fields or any(
                _input_name(gateway, setting) in self.errors for setting in gateway.settings_fields
            ):
                continue
            # The settings taken together (e.g. Stripe keys of one mode).
            for key, messages in gateway.check_config(self._prospective_config(gateway)).items():
                self.add_error(f"{gateway.name}_{key}", messages)
        for field, name in self._enabled_with_fields(data):
            selected = gateway_registry.GATEWAYS[name]
            prospective = self._prospective_config(selected)
            problem = gateway_registry.mode_not_allowed(selected.name, prospective)
            if problem:
                self.add_error(field, problem)
            missing = prospective.missing(selected.settings_fields)
            if missing:
                needs = " and ".join(_with_article(setting.label.lower()) for setting in missing)
                self.add_error(None, f"The {selected.label} gateway needs {needs}.")
        return data

    @staticmethod
    def _enabled_with_fields(data: Mapping) -> list[tuple[str, str]]:
        """(form field, gateway name) of each enabled gateway, the default first, no repeats."""
        chosen = [("payment_gateway", data.get("payment_gateway", ""))]
        chosen += [
            ("other_payment_gateways", name) for name in data.get("other_payment_gateways", [])
        ]
        seen: set[str] = set()
        result = []
        for field, name in chosen:
            if name in gateway_registry.GATEWAYS and name not in seen:
                seen.add(name)
                result.append((field, name))
        return result

    def _prospective_config(self, gateway: PaymentGateway) -> GatewayConfig:
        """The gateway's settings as they will be once this form is saved."""
        stored = self.gateway_configs[gateway.name]
        values, secrets = dict(stored.values), dict(stored.secrets)
        for key, value in self._gateway_changes(gateway, secret=False).items():
            values[key] = value
        for key, value in self._gateway_changes(gateway, secret=True).items():
            secrets[key] = value
        return GatewayConfig(values=values, secrets=secrets)

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}

    def preferences(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.PREFERENCE_FIELDS}
        # The enabled gateways, in order, as the one stored list (the default first).
        values["payment_gateway"] = ",".join(
            name for _, name in self._enabled_with_fields(self.cleaned_data)
        )
        return values

    def gateway_settings(self) -> dict[str, tuple[dict, dict]]:
        """Per gateway name: (non-secret values, secrets to change). A secret left blank is
        absent, so its stored value stays; "remove" sets it to ""."""
        return {
            gateway.name: (
                self._gateway_changes(gateway, secret=False),
                self._gateway_changes(gateway, secret=True),
            )
            for gateway in gateway_registry.GATEWAYS.values()
            if gateway.settings_fields
        }

    def _gateway_changes(self, gateway: PaymentGateway, *, secret: bool) -> dict[str, str]:
        data = self.cleaned_data
        changes = {}
        for setting in gateway.settings_fields:
            if setting.secret != secret:
                continue
            name = _input_name(gateway, setting)
            if not secret:
                changes[setting.key] = data.get(name) or ""
            elif data.get(f"clear_{name}"):
                changes[setting.key] = ""
            elif data.get(name):
                changes[setting.key] = data[name]
        return changes

    def fieldsets(self) -> list[tuple[str, tuple[str, ...]]]:
        """The page's sections: the store's own, then one per gateway that has settings."""
        sections = [
            ("Store", ("name", "country", "currency", "timezone")),
            ("Tax and shipping", ("prices_include_tax",)),
            ("Checkout and inventory", ("reservation_minutes", "low_stock_threshold")),
            ("Reviews", ("moderate_reviews",)),
            ("Storefront", ("storefront_password",)),
            ("Notifications", ("email_sender", "abandoned_cart_hours")),
            ("Payments", ("payment_gateway", "other_payment_gateways")),
            ("Security", ("require_staff_two_factor",)),
        ]
        for gateway in gateway_registry.GATEWAYS.values():
            names: list[str] = []
            for setting in gateway.settings_fields:
                name = _input_name(gateway, setting)
                names += [name, f"clear_{name}"] if setting.secret else [name]
            if names:
                sections.append((gateway.label, tuple(names)))
        return sections


def _input_name(gateway: PaymentGateway, setting: SettingField) -> str:
    return f"{gateway.name}_{setting.key}"


def _with_article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


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
