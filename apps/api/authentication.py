from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions

from apps.api.models import ApiKey, hash_key

LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer mk_…`` (or ``X-Api-Key``). Keys live in the store's own schema,
    so a key of store A is simply unknown on store B's host."""

    keyword = "Bearer"

    def authenticate(self, request):
        raw = self._raw_key(request)
        if raw is None:
            return None
        try:
            key = ApiKey.objects.get(hashed_key=hash_key(raw), revoked_at__isnull=True)
        except ApiKey.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from exc
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return AnonymousUser(), key

    def _raw_key(self, request) -> str | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith(f"{self.keyword} mk_"):
            return header[len(self.keyword) + 1 :].strip()
        api_key = request.META.get("HTTP_X_API_KEY", "").strip()
        return api_key or None

    def authenticate_header(self, request):
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """The storefront's own calls: session cookie + CSRF, as DRF's default."""
