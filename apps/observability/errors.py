"""Errors to Sentry, only when ``SENTRY_DSN`` is set (issue #22).

No personal data leaves: ``send_default_pii`` is off (no cookies, no user email or IP, no
request bodies), the SDK's event scrubber removes tokens and passwords, and the denylist below
adds card fields and email. Each event carries the store (schema) and the request id as tags,
so an error report leads to the request's log lines.
"""

import os
from typing import Any

_enabled = False

# Field names whose values never leave the process (on top of sentry_sdk's DEFAULT_DENYLIST).
EXTRA_DENYLIST = [
    "email", "number", "card", "card_number", "cvc", "cvv", "expiry", "iban",
    "x-api-key", "idempotency-key", "stripe_secret_key", "webhook_secret",
]  # fmt: skip


def configure() -> bool:
    """Start the SDK when SENTRY_DSN is set; return whether it runs."""
    global _enabled
    dsn = os.environ.get("SENTRY_DSN", "")
    if not dsn or _enabled:
        return _enabled
    import sentry_sdk
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        send_default_pii=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        event_scrubber=EventScrubber(
            denylist=DEFAULT_DENYLIST + EXTRA_DENYLIST,
            pii_denylist=DEFAULT_PII_DENYLIST,
            recursive=True,
        ),
        before_send=_tag_store,
    )
    _enabled = True
    return True


def _tag_store(event: Any, hint: dict[str, Any]) -> Any:
    from django.db import connection

    event.setdefault("tags", {}).setdefault("store", getattr(connection, "schema_name", None))
    event.pop("user", None)  # ids only, in tags; never the user's email or address
    return event


def tag_request(request_id: str) -> None:
    """Tag the current scope's events with the request or task id."""
    if _enabled:
        import sentry_sdk

        sentry_sdk.set_tag("request_id", request_id)
