"""Login guessing: what django-axes counts a failed login against (settings ``AXES_*``).

Attempts are keyed by the account *and* the client IP together, so a guesser locks out only
their own address for that account, for ``AXES_COOLOFF_TIME``; the merchant signing in from
elsewhere is never locked out. The attempts table is in each schema beside its users.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render


def username_from_request(request: HttpRequest, credentials: dict | None) -> str:
    """The email a login tried, normalised as accounts are (``Owner@X`` and ``owner@x`` are one).

    Every login form here posts the email in the ``username`` field (Django's
    ``AuthenticationForm``), and ``authenticate`` receives it as ``username``.
    """
    value = (credentials or {}).get("username")
    if value is None:
        value = request.POST.get("username", "") if request.method == "POST" else ""
    return str(value).strip().lower()[:254]


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The page a locked-out login gets: 429, saying how long to wait."""
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": max(int(cooloff.total_seconds() // 60), 1),
    }
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response


class LoginGuardBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every login made through a request.

    ``authenticate`` without a request (a management command, the test client's ``login``) is no
    web login and cannot be guessed at from outside: it is not counted, nor refused.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
