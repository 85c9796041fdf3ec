from django import forms
from django.core.exceptions import ValidationError

from apps.tenants import services


class StoreSignupForm(forms.Form):
    name = forms.CharField(label="Store name", max_length=100)
    slug = forms.CharField(
        label="Store address",
        max_length=30,
        help_text="Lowercase letters, digits and hyphens; your store lives at <slug>.<domain>.",
    )
    owner_email = forms.EmailField(label="Your email")
    owner_password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    owner_password_confirm = forms.CharField(
        label="Password again", widget=forms.PasswordInput, strip=False
    )

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].strip().lower()

    def clean(self):
        data = super().clean()
        password = data.get("owner_password")
        if password and password != data.get("owner_password_confirm"):
            self.add_error("owner_password_confirm", "The two passwords differ.")
        if self.errors:
            return data
        try:
            services.validate_new_store(
                name=data["name"],
                slug=data["slug"],
                owner_email=data["owner_email"],
                owner_password=data["owner_password"],
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                self.add_error(field, errors)
        return data
