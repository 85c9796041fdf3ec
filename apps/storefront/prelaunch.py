"""The pre-launch storefront password (as Shopify's): until the merchant launches the store,
a visitor types the store's password once per session; the store's staff and the API are never
asked, nor are payment-provider webhooks, the admin and static files.

The store's settings row is cached (``preferences.selectors``), so a launched store pays no
query for this check.
"""

import hashlib
import hmac

from django import forms
from django.conf import settings
from django.db import connection
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_tenants.utils import get_public_schema_name

from apps.preferences import selectors as preference_selectors

PASSWORD_PATH = "/password/"
SESSION_KEY = "storefront_access"
# Never behind the password: the admin, the API, payment pages and provider webhooks (a
# shopper who reached a payment page passed the password already), assets, health checks.
OPEN_PREFIXES = ("/admin/", "/api/", "/payments/", PASSWORD_PATH, "/healthz", "/readyz")


def _access_token(password: str) -> str:
    """What the session keeps: changing the password signs every visitor out."""
    return hmac.new(settings.SECRET_KEY.encode(), password.encode(), hashlib.sha256).hexdigest()


def _is_open_path(path: str) -> bool:
    return path.startswith((*OPEN_PREFIXES, settings.STATIC_URL, settings.MEDIA_URL))


class StorefrontPasswordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.schema_name != get_public_schema_name() and not _is_open_path(
            request.path_info
        ):
            # A launched store stops here (its settings row is cached): no session or user read.
            store_settings = preference_selectors.get_store_settings()
            if (
                store_settings.storefront_locked
                and request.session.get(SESSION_KEY)
                != _access_token(store_settings.storefront_password)
                and not (request.user.is_authenticated and request.user.is_staff)
            ):
                return redirect(f"{PASSWORD_PATH}?next={request.get_full_path()}")
        return self.get_response(request)


class StorefrontPasswordForm(forms.Form):
    password = forms.CharField(max_length=60, widget=forms.PasswordInput(attrs={"autofocus": True}))

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not hmac.compare_digest(password.encode(), self.expected.encode()):
            raise forms.ValidationError("That is not the password.")
        return password


@require_http_methods(["GET", "POST"])
def password_page(request):
    store_settings = preference_selectors.get_store_settings()
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if not store_settings.storefront_locked:
        return redirect(next_url)
    form = StorefrontPasswordForm(request.POST or None, expected=store_settings.storefront_password)
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_KEY] = _access_token(store_settings.storefront_password)
        return redirect(next_url)
    status = 403 if request.method == "POST" else 200
    return TemplateResponse(
        request, "storefront/password.html", {"form": form, "next": next_url}, status=status
    )
