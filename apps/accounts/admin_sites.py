"""Admin sites with two-factor sign-in: the store admin (Django's default site, see
``AccountsAdminConfig``) and the platform admin (``apps.tenants.admin``) both derive from
``TwoFactorAdminSite``.

- The login form asks for an authenticator or recovery code when the account has one.
- A session signed in without that code (e.g. through the storefront's login) is not let in.
- Where two-factor is required (``two_factor.two_factor_required``), a staff member without an
  authenticator is sent to the enrolment page before any other admin page.
"""

from functools import wraps

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from apps.accounts import two_factor


class StaffLoginForm(AdminAuthenticationForm):
    """Email and password, then a code for accounts that enrolled two-factor."""

    otp_token = forms.CharField(
        required=False,
        max_length=32,
        label="Authentication code",
        help_text="Only if you set up two-factor sign-in: the 6-digit code from your "
        "authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not two_factor.has_two_factor(user):
            return
        token = self.data.get("otp_token", "")
        if not token:
            raise ValidationError(
                "Enter the code from your authenticator app (or a recovery code).",
                code="token_required",
            )
        device = two_factor.verify_login_code(user=user, token=token)
        if device is None:
            raise ValidationError("That authentication code is not right.", code="invalid_token")
        # django_otp's user_logged_in receiver marks the session verified with this device.
        user.otp_device = device


def _verified(user) -> bool:
    """Whether this session proved a second factor (django_otp's OTPMiddleware adds the check)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class TwoFactorAdminSite(admin.AdminSite):
    login_form = StaffLoginForm
    login_template = "admin/two_factor/login.html"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        user = request.user
        return _verified(user) or not two_factor.has_two_factor(user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)
        exempt = getattr(view, "two_factor_exempt", False) or view == self.logout

        @wraps(inner)
        def guarded(request, *args, **kwargs):
            user = request.user
            if (
                not exempt
                and user.is_active
                and user.is_staff
                and not _verified(user)
                and two_factor.two_factor_required()
            ):
                messages.warning(request, "Set up two-factor sign-in to use the admin.")
                return redirect(reverse(f"{self.name}:two-factor"))
            return inner(request, *args, **kwargs)

        return guarded

    def get_urls(self):
        enrol = self.two_factor_view
        enrol.__func__.two_factor_exempt = True  # type: ignore[attr-defined]
        return [
            path("two-factor/", self.admin_view(enrol), name="two-factor"),
            *super().get_urls(),
        ]

    @method_decorator(require_http_methods(["GET", "POST"]))
    def two_factor_view(self, request):
        """Enrol an authenticator, confirm it, get new recovery codes, or turn two-factor off."""
        user = request.user
        action = request.POST.get("action", "")
        error = ""
        new_codes: list[str] = []
        if request.method == "POST":
            if action == "start":
                two_factor.start_totp_enrolment(user=user)
            elif action == "confirm":
                try:
                    new_codes = two_factor.confirm_totp_enrolment(
                        user=user, token=request.POST.get("token", "")
                    )
                except ValidationError as exc:
                    error = " ".join(exc.messages)
                else:
                    # This session proved the code: it counts as verified from now on.
                    device = two_factor.TOTPDevice.objects.get(user=user, confirmed=True)
                    otp_login(request, device)
                    messages.success(request, "Two-factor sign-in is on.")
            elif action == "recovery" and two_factor.has_two_factor(user):
                if _verified(user):
                    new_codes = two_factor.regenerate_recovery_codes(user=user)
            elif action == "disable" and _verified(user):
                if two_factor.two_factor_required():
                    error = "Two-factor sign-in is required here; it cannot be turned off."
                else:
                    two_factor.disable_two_factor(user=user)
                    messages.success(request, "Two-factor sign-in is off.")
                    return redirect(reverse(f"{self.name}:two-factor"))
        pending = two_factor.pending_totp_device(user)
        context = {
            **self.each_context(request),
            "title": "Two-factor sign-in",
            "enrolled": two_factor.has_two_factor(user),
            "required": two_factor.two_factor_required(),
            "pending": pending,
            "secret": two_factor.totp_secret(pending) if pending else "",
            "otpauth_uri": pending.config_url if pending else "",
            "new_codes": new_codes,
            "codes_left": two_factor.recovery_codes_left(user),
            "error": error,
        }
        status = 400 if error else 200
        return TemplateResponse(request, "admin/two_factor/setup.html", context, status=status)


class StoreAdminSite(TwoFactorAdminSite):
    """The store admin at /admin/ on a store's host (Django's default ``admin.site``)."""
