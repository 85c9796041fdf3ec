"""The reconciler: counters recomputed from the ledger and the live holds, drift repaired."""

import logging
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from apps.inventory import locks, selectors
from apps.inventory.models import StockLevel, StockMovement
from apps.inventory.selectors import StockDrift
from apps.inventory.services import alerts
from apps.inventory.services.counters import write_ledger
from apps.observability import metrics

logger = logging.getLogger(__name__)


@transaction.atomic
def reconcile_stock(
    *,
    repair: bool = False,
    actor_id: int | None = None,
    stock_level_ids: Collection[int] | None = None,
) -> list[StockDrift]:
    """Return the stock rows whose counters drifted; with ``repair``, fix them first.

    ``on_hand`` is recomputed from the ledger (the truth: every change of on_hand writes one)
    and ``reserved`` from the row's active holds. A repaired row gets a ``correction`` ledger
    row with delta 0 whose note records the counters before and after: the ledger already
    holds the right total, so the correction documents the repair without changing it. A row
    whose live holds exceed the ledger's units (not repairable without cancelling checkouts)
    is reported and left alone. Drift is re-read under the rows' locks before repairing, so a
    concurrent checkout is never overwritten.
    """
    drift = selectors.list_stock_drift(stock_level_ids=stock_level_ids)
    metrics.stock_drift.labels("found").inc(len(drift))
    if not repair or not drift:
        return drift
    locks.lock_stock_levels([d.stock_level_id for d in drift])
    drift = selectors.list_stock_drift(stock_level_ids=[d.stock_level_id for d in drift])
    now = timezone.now()
    corrections = []
    for row in drift:
        if not row.repairable:
            logger.warning(
                "stock row %s (%s) cannot be repaired: %s", row.stock_level_id, row.sku, row
            )
            continue
        StockLevel.objects.filter(pk=row.stock_level_id).update(
            on_hand=row.ledger_on_hand, reserved=row.live_reserved, updated_at=now
        )
        corrections.append(
            StockMovement(
                variant_id=row.variant_id,
                warehouse_id=row.warehouse_id,
                delta=0,
                reason=StockMovement.Reason.CORRECTION,
                actor_id=actor_id,
                note=(
                    f"Reconciled: on_hand {row.on_hand}→{row.ledger_on_hand} (ledger), "
                    f"reserved {row.reserved}→{row.live_reserved} (live holds)"
                ),
            )
        )
        logger.warning("stock row %s (%s) repaired: %s", row.stock_level_id, row.sku, row)
    write_ledger(corrections)
    metrics.count_on_commit(metrics.stock_drift, len(corrections), action="repaired")
    variant_ids = {c.variant_id for c in corrections}
    alerts.resolve_restocked_alerts(variant_ids=variant_ids)
    alerts.queue_check_if_low(variant_ids)
    return drift
