from smtplib import SMTPException

from celery import shared_task

from apps.content import services


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=6,
)
def send_contact_message_task(message_id: int) -> bool:
    """Email a contact-form message to the merchant; SMTP failures are retried."""
    return services.send_contact_message(message_id=message_id)
