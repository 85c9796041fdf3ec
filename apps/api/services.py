"""API key lifecycle."""

import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.api.models import SCOPES, ApiKey, hash_key


def create_api_key(
    *, name: str, scopes: list[str], created_by_id: int | None = None
) -> tuple[ApiKey, str]:
    """Create a key; return the row and the raw key, which is never retrievable again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValidationError(
            {
                "scopes": f"Unknown or missing scopes: {', '.join(unknown) or '(none)'}. "
                f"Choose from {', '.join(SCOPES)}."
            }  # fmt: skip
        )
    if not name.strip():
        raise ValidationError({"name": "Give the key a name."})
    prefix = secrets.token_hex(4)
    raw = f"mk_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name.strip(),
        prefix=prefix,
        hashed_key=hash_key(raw),
        scopes=sorted(set(scopes)),
        created_by_id=created_by_id,
    )
    return key, raw


def revoke_api_key(*, key_id: int) -> None:
    ApiKey.objects.filter(pk=key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
