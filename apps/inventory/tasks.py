"""Inventory background work: thin wrappers around the services, run in the caller's store.

Beat queues the periodic ones per store through ``apps.tenants.tasks.fan_out_to_stores_task``
(settings.CELERY_BEAT_SCHEDULE).
"""

import logging
import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.inventory import selectors, services
from apps.tenants import due

logger = logging.getLogger(__name__)

RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "ignore_result": True,
}


@shared_task(**RETRY)
def release_expired_reservations_task() -> int:
    """Sweep this store's expired holds (tidiness: reserve reclaims them anyway)."""
    released = services.release_expired()
    if released:
        logger.info("released %d expired reservations", released)
    next_expiry = selectors.next_hold_expiry()
    if next_expiry is not None:  # beat comes back to this store when it lapses
        due.mark_due(due.HOLDS, next_expiry)
    return released


MAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(**{**RETRY, "autoretry_for": (OperationalError, InterfaceError, *MAIL_ERRORS)})
def check_low_stock_task(variant_ids: list[int]) -> int:
    """Open alerts for the variants now low and email the owners once; idempotent."""
    services.raise_low_stock_alerts(variant_ids=variant_ids)
    return services.notify_low_stock(variant_ids=variant_ids)


@shared_task(**RETRY)
def report_stock_drift_task() -> int:
    """Log stock rows whose counters drifted from the ledger or the live holds (no repair)."""
    drift = services.reconcile_stock(repair=False)
    for row in drift:
        logger.warning("stock drift: %s", row)
    return len(drift)
