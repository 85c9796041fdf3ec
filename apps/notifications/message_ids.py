"""Message-IDs derived from what a message is, not from when it was sent.

A message resent after a crash (the instant between the mail server's acceptance and the
commit that records it) carries the same Message-ID, so mail clients see one message, not two.
"""

import hashlib

from django.conf import settings
from django.db import connection


def stable_message_id(kind: str, *identity: object) -> str:
    """``<kind.digest@platform>`` from the store's schema, ``kind`` and the message's identity."""
    parts = ":".join(str(part) for part in (connection.schema_name, *identity))
    digest = hashlib.sha256(parts.encode()).hexdigest()
    return f"<{kind}.{digest[:40]}@{settings.PLATFORM_DOMAIN}>"
