"""Low-stock alerts: one email to the store's owners each time a variant falls below its threshold.

A variant is *low* when its availability (``selectors.get_available_by_variant``) is below its
threshold (``selectors.get_low_stock_thresholds``). Falling low opens a ``LowStockAlert`` (at
most one open per variant, enforced by a partial unique index) and the owners get one email. The
alert stays open — no second email — until a restock (receive, return, upward adjustment or
repair) brings availability back to the threshold; holds that come and go do not resolve it.
"""

import logging
import smtplib
from collections.abc import Collection

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from apps.catalog.models import Variant
from apps.core import outbox
from apps.inventory import selectors, sql
from apps.inventory.models import LowStockAlert
from apps.preferences import selectors as preferences_selectors
from apps.tenants import public_urls
from apps.tenants import selectors as tenant_selectors
from apps.webhooks import services as webhook_services

logger = logging.getLogger(__name__)


def queue_low_stock_check(variant_ids: Collection[int]) -> None:
    """After the transaction commits, have a worker raise alerts for these variants."""
    ids = sorted(set(variant_ids))
    if not ids:
        return
    # An outbox message: written with the stock change, never lost to a broker outage.
    outbox.enqueue("apps.inventory.tasks.check_low_stock_task", ids)


def queue_check_if_low(variant_ids: Collection[int]) -> None:
    """Queue a check for those variants that are now low and have no open alert."""
    ids = set(variant_ids)
    if not ids:
        return
    available = selectors.get_available_by_variant(ids)
    thresholds = selectors.get_low_stock_thresholds(ids)
    alerted = set(
        LowStockAlert.objects.filter(variant_id__in=ids, resolved_at__isnull=True).values_list(
            "variant_id", flat=True
        )
    )
    queue_low_stock_check(
        [v for v in ids if v not in alerted and available.get(v, 0) < thresholds[v]]
    )


def raise_low_stock_alerts(*, variant_ids: Collection[int]) -> list[int]:
    """Open an alert for each low variant that has none open; return the new alerts' ids."""
    ids = sorted(set(variant_ids))
    available = selectors.get_available_by_variant(ids)
    thresholds = selectors.get_low_stock_thresholds(ids)
    created, low = [], []
    now = timezone.now()
    for variant_id in ids:  # in id order: concurrent checks never wait in a cycle
        units = available.get(variant_id, 0)
        if units >= thresholds[variant_id]:
            continue
        alert_id = sql.open_low_stock_alert(
            variant_id=variant_id, available=units, threshold=thresholds[variant_id], now=now
        )
        if alert_id is not None:
            created.append(alert_id)
            low.append({"variant_id": variant_id, "available": units,
                        "threshold": thresholds[variant_id]})  # fmt: skip
            logger.info(
                "low stock: variant %s has %s available (threshold %s)",
                variant_id,
                units,
                thresholds[variant_id],
            )
    _emit_inventory_low(low)
    return created


def _emit_inventory_low(low: list[dict]) -> None:
    """``inventory.low`` webhooks for the alerts just opened (delivered after commit)."""
    if not low:
        return
    skus = dict(
        Variant.objects.filter(id__in=[x["variant_id"] for x in low]).values_list("id", "sku")
    )
    for item in low:
        webhook_services.emit_event(
            topic="inventory.low", payload={**item, "sku": skus.get(item["variant_id"], "")}
        )


def resolve_restocked_alerts(*, variant_ids: Collection[int]) -> int:
    """Close the open alerts of variants whose availability is back to their threshold."""
    open_alerts = dict(
        LowStockAlert.objects.filter(
            variant_id__in=list(variant_ids), resolved_at__isnull=True
        ).values_list("variant_id", "pk")
    )
    if not open_alerts:
        return 0
    available = selectors.get_available_by_variant(open_alerts)
    thresholds = selectors.get_low_stock_thresholds(open_alerts)
    restocked = [
        pk
        for variant_id, pk in open_alerts.items()
        if available.get(variant_id, 0) >= thresholds[variant_id]
    ]
    return LowStockAlert.objects.filter(pk__in=restocked, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def list_owner_emails() -> list[str]:
    """The store's owners: active superusers of this store's schema."""
    return list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .order_by("pk")
        .values_list("email", flat=True)
    )


def notify_low_stock(*, variant_ids: Collection[int] | None = None) -> int:
    """Email the owners once about the open alerts nobody was told about; return how many.

    Alerts are claimed (``notified_at`` set) in a committed transaction before the email goes
    out, so two workers never both send; if sending fails the claim is undone for the retry.
    """
    with transaction.atomic():
        pending = LowStockAlert.objects.filter(resolved_at__isnull=True, notified_at__isnull=True)
        if variant_ids is not None:
            pending = pending.filter(variant_id__in=list(variant_ids))
        claimed = list(
            pending.select_related("variant__product")
            .order_by("pk")
            .select_for_update(of=("self",), skip_locked=True)
        )
        if not claimed:
            return 0
        LowStockAlert.objects.filter(pk__in=[a.pk for a in claimed]).update(
            notified_at=timezone.now()
        )
    recipients = list_owner_emails()
    if not recipients:
        logger.warning("low stock alerts %s: the store has no owner to tell", claimed)
        return len(claimed)
    try:
        send_mail(**_low_stock_email(claimed), recipient_list=recipients)  # type: ignore[arg-type]
    except (smtplib.SMTPException, OSError):
        LowStockAlert.objects.filter(pk__in=[a.pk for a in claimed]).update(notified_at=None)
        raise
    return len(claimed)


def _low_stock_email(alerts: list[LowStockAlert]) -> dict[str, str]:
    store = tenant_selectors.get_store_by_slug(connection.schema_name)
    sender = preferences_selectors.get_store_settings().email_sender
    lines = [
        f"- {a.variant.sku} {a.variant}: {a.available} available (threshold {a.threshold})"
        for a in alerts
    ]
    first = alerts[0].variant.sku
    subject = (
        f"[{store.name}] Low stock: {first}"
        if len(alerts) == 1
        else f"[{store.name}] Low stock: {first} and {len(alerts) - 1} more"
    )
    body = "\n".join(
        [
            f"These items of {store.name} are running low:",
            "",
            *lines,
            "",
            "Restock them or review the low-stock list:",
            public_urls.store_url(store, "/admin/inventory/lowstockalert/"),
            "",
            "You get one email per item until it is restocked above its threshold.",
        ]
    )
    return {
        "subject": subject,
        "message": body,
        "from_email": sender or settings.DEFAULT_FROM_EMAIL,
    }
