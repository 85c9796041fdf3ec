"""The platform's email plumbing, for every app that sends mail.

- ``stable_message_id``: Message-IDs derived from what a message is, not from when it was sent.
  A message resent after a crash (the instant between the mail server's acceptance and the
  commit that records it) carries the same Message-ID, so mail clients see one message, not two.
- ``send_email_after_commit``: a plain-text email (sign-up and confirmation links) queued
  through the transactional outbox with the caller's transaction. An SMTP outage is retried
  with backoff by the worker and a broker outage by the outbox relay: the email is delayed,
  never lost, and nothing is sent for a transaction that rolls back.

Order, back-in-stock and abandoned-cart emails have their own tasks, which record what was
sent in the store's tables; they use ``stable_message_id`` from here.
"""

import hashlib

from django.conf import settings
from django.db import connection

from apps.core import outbox

SEND_EMAIL_TASK = "apps.core.tasks.send_email_task"


def stable_message_id(kind: str, *identity: object) -> str:
    """``<kind.digest@platform>`` from the store's schema, ``kind`` and the message's identity."""
    parts = ":".join(str(part) for part in (connection.schema_name, *identity))
    digest = hashlib.sha256(parts.encode()).hexdigest()
    return f"<{kind}.{digest[:40]}@{settings.PLATFORM_DOMAIN}>"


def send_email_after_commit(*, subject: str, body: str, to: str, message_id: str) -> None:
    """Queue one plain-text email to ``to``; it is sent after the current transaction commits.

    ``message_id`` (from ``stable_message_id``) is the same on every retry of this message.
    """
    outbox.enqueue(SEND_EMAIL_TASK, subject, body, to, message_id)
