"""Platform emails (sign-up and confirmation links) go through the outbox: queued with the
caller's transaction, retried on SMTP failure with one Message-ID, never sent for a rollback."""

import pytest
from django.db import transaction

from apps.core.mail import send_email_after_commit, stable_message_id
from apps.core.models import OutboxMessage
from tests.orders.email_backends import FailOnceBackend


def _queue(to="someone@example.test"):
    send_email_after_commit(
        subject="Confirm", body="Open the link.", to=to,
        message_id=stable_message_id("test", to),
    )  # fmt: skip


@pytest.mark.django_db
def test_an_smtp_failure_is_retried_and_the_email_goes_out_once_with_its_message_id(
    settings, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.orders.email_backends.FailOnceBackend"
    FailOnceBackend.attempts = 0

    with django_capture_on_commit_callbacks(execute=True):
        _queue()

    assert FailOnceBackend.attempts == 2
    assert [m.to for m in mailoutbox] == [["someone@example.test"]]
    assert mailoutbox[0].extra_headers["Message-ID"] == stable_message_id(
        "test", "someone@example.test"
    )
    assert OutboxMessage.objects.get().dispatched_at is not None


@pytest.mark.django_db
def test_a_rolled_back_transaction_queues_and_sends_nothing(
    mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _queue()
                raise RuntimeError("the sign-up failed")
        except RuntimeError:
            pass

    assert mailoutbox == []
    assert not OutboxMessage.objects.exists()
