"""Thin Celery wrappers. Periodic ones are queued per store by ``fan_out_to_stores_task``."""

from smtplib import SMTPException

from celery import shared_task

from apps.recommendations import emails, services


@shared_task(acks_late=True, ignore_result=True)
def flush_signals_task() -> dict[str, int]:
    """Per store: move buffered views and widget counters from Redis to PostgreSQL."""
    return services.flush_signals()


@shared_task(acks_late=True, ignore_result=True)
def recompute_recommendations_task(force: bool = False) -> int | None:
    """Per store: recompute neighbours and rankings (skipped when nothing changed)."""
    services.flush_signals()  # the latest views count in this run
    return services.recompute_recommendations(force=force).run_id


@shared_task(acks_late=True, ignore_result=True)
def check_back_in_stock_task() -> int:
    return services.check_back_in_stock()


@shared_task(acks_late=True, ignore_result=True)
def queue_abandoned_cart_reminders_task() -> int:
    return services.queue_abandoned_cart_reminders()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=60,
    retry_backoff_max=300,  # below the broker's visibility timeout (config/settings.py)
    retry_kwargs={"max_retries": 5},
)
def send_back_in_stock_email_task(subscription_id: int) -> bool:
    return emails.send_back_in_stock_email(subscription_id=subscription_id)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=60,
    retry_backoff_max=300,  # below the broker's visibility timeout (config/settings.py)
    retry_kwargs={"max_retries": 5},
)
def send_abandoned_cart_email_task(reminder_id: int) -> bool:
    return emails.send_abandoned_cart_email(reminder_id=reminder_id)
