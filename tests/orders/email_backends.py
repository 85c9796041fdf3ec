"""Email backends that fail like an SMTP relay does, for retry tests (set via EMAIL_BACKEND)."""

import os
import signal
from pathlib import Path
from smtplib import SMTPServerDisconnected

from django.core.mail.backends import filebased, locmem
from django.db import transaction


class FailOnceBackend(locmem.EmailBackend):
    """The first send fails as a dropped SMTP connection; later sends land in mail.outbox."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).attempts == 1:
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class AlwaysFailBackend(locmem.EmailBackend):
    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        raise ConnectionRefusedError("SMTP relay unreachable")


class SlowBackend(locmem.EmailBackend):
    """An SMTP relay that takes its time: long enough for a second sender to arrive."""

    seconds = 0.5

    def send_messages(self, messages):
        import time

        time.sleep(self.seconds)
        return super().send_messages(messages)


class CrashingFileBackend(filebased.EmailBackend):
    """The file backend (one file per message in EMAIL_FILE_PATH) whose worker process dies once.

    For real-worker tests: the first send kills its own process with SIGKILL at
    ``MERCATO_TEST_CRASH_AT``: ``before_send`` (nothing written), ``after_send`` (the message
    is written, the sent mark not yet committed) or ``after_record`` (right after the sent mark
    commits, before the task returns and its message is acknowledged). The file
    ``MERCATO_TEST_CRASH_FLAG`` records that the crash happened; later sends behave normally.
    """

    def send_messages(self, messages):
        point = os.environ.get("MERCATO_TEST_CRASH_AT", "")
        flag = Path(os.environ.get("MERCATO_TEST_CRASH_FLAG", "/nonexistent/flag"))
        crash = bool(point) and not flag.exists()
        if crash:
            flag.write_text(point)
        if crash and point == "before_send":
            _die()
        sent = super().send_messages(messages)
        if crash and point == "after_send":
            _die()
        if crash and point == "after_record":
            transaction.on_commit(_die)
        return sent


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
