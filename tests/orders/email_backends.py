"""Email backends that fail like an SMTP relay does, for retry tests (set via EMAIL_BACKEND)."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends import locmem


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
