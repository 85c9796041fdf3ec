"""PROVISIONAL (checkout branch): the payments/notifications branch replaces this at merge."""

import logging

logger = logging.getLogger(__name__)


def queue_order_email(*, order_id: int, kind: str, context: dict | None = None) -> None:
    logger.info("order email %s for order %s (provisional: not sent)", kind, order_id)
