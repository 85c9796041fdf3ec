"""``Idempotency-Key`` for mutating endpoints (as Stripe does it).

The key is claimed with a unique INSERT, committed on its own before the work starts:
- same key, same request  → the stored response is replayed;
- same key, other request → 422;
- same key while the first request still runs → 409 (so concurrent duplicates make one order);
- a failed request (5xx or exception) releases the key so the client may retry.
A replay answers the first response's exact bytes, status and content type: the response is
rendered here and its bytes stored (a JSON column would hand the keys back in PostgreSQL's
order, not ours). Keys belong to (store schema, API key / customer / client IP, key) and
expire after 24 hours.
"""

import functools
import hashlib
import json
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.response import Response

from apps.api.exceptions import error_body
from apps.api.models import ApiKey, IdempotencyKey

HEADER = "HTTP_IDEMPOTENCY_KEY"
LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(r"^[!-~]+$")  # visible ASCII: what a header carries unchanged


def _owner(request) -> str:
    if isinstance(request.auth, ApiKey):
        return f"api-key:{request.auth.pk}"
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"anon:{request.META.get('REMOTE_ADDR', '')}"


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str) if request.data else ""
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(owner: str, key: str, request_hash: str) -> tuple[IdempotencyKey, bool]:
    now = timezone.now()
    IdempotencyKey.objects.filter(owner=owner, key=key, expires_at__lte=now).delete()
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                owner=owner, key=key, request_hash=request_hash, expires_at=now + LIFETIME
            )
        return row, True
    except IntegrityError:
        return IdempotencyKey.objects.get(owner=owner, key=key), False


def _rendered(view, request, response):
    """The response rendered now, as DRF would after the handler (same renderer, same media
    type); DRF's own finalize and Django's render later find it rendered and keep the bytes."""
    if isinstance(response, Response):
        response = view.finalize_response(request, response)
        response.render()
    return response


def idempotent(view_method):
    """Decorate an APIView/ViewSet handler. Requests without the header run normally."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        if HEADER not in request.META:
            return view_method(self, request, *args, **kwargs)
        key = request.META[HEADER]
        if len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.fullmatch(key):
            return Response(
                error_body(
                    "invalid_idempotency_key",
                    f"Idempotency-Key is 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
                ),
                status=400,
            )
        owner, request_hash = _owner(request), _request_hash(request)
        row, claimed = _claim(owner, key, request_hash)
        if not claimed:
            if row.request_hash != request_hash:
                return Response(
                    error_body(
                        "idempotency_key_reused",
                        "This Idempotency-Key was used with a different request.",
                    ),
                    status=422,
                )
            if row.state == IdempotencyKey.State.IN_PROGRESS:
                return Response(
                    error_body(
                        "idempotency_key_in_use",
                        "A request with this Idempotency-Key is still being processed.",
                    ),
                    status=409,
                )
            replay = HttpResponse(
                bytes(row.response_content or b""),
                status=row.response_status,
                content_type=row.response_content_type or None,
            )
            if not row.response_content_type:
                del replay["Content-Type"]  # as the first answer (a 204 has none)
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = view_method(self, request, *args, **kwargs)
        except Exception:
            row.delete()
            raise
        if response.status_code >= 500:
            row.delete()
            return response
        response = _rendered(self, request, response)
        IdempotencyKey.objects.filter(pk=row.pk).update(
            state=IdempotencyKey.State.COMPLETED,
            response_status=response.status_code,
            response_content=response.content,
            response_content_type=response.get("Content-Type", ""),
        )
        return response

    wrapper.accepts_idempotency_key = True  # read by the schema (apps/api/schema.py)
    return wrapper
