"""Every write to stock. Import as ``from apps.inventory import services as inventory_services``.

Modules: ``stock`` (receive, return, adjust), ``stock_counts`` (set counted on-hand figures),
``reserving`` (reserve), ``backorders`` (selling beyond stock), ``reservations``
(commit, release, the sweeper), ``reconciliation`` (the reconciler), ``alerts`` (low-stock
alerts). Lock order for all of them: ``apps/inventory/locks.py``.
"""

from apps.inventory.services.alerts import (
    notify_low_stock,
    raise_low_stock_alerts,
    resolve_restocked_alerts,
)
from apps.inventory.services.backorders import (
    cancel_backorders,
    confirm_backorders,
    fill_backorders,
    reserve_allowing_backorders,
)
from apps.inventory.services.reconciliation import reconcile_stock
from apps.inventory.services.reservations import (
    commit_reservation,
    release_expired,
    release_reservation,
)
from apps.inventory.services.reserving import reserve
from apps.inventory.services.stock import (
    ADJUSTMENT_REASONS,
    DEFAULT_WAREHOUSE_NAME,
    adjust_stock,
    create_default_warehouse,
    create_warehouse,
    receive_stock,
    restock_return,
    set_stock_level,
)
from apps.inventory.services.stock_counts import set_stock_levels

__all__ = [
    "ADJUSTMENT_REASONS",
    "DEFAULT_WAREHOUSE_NAME",
    "adjust_stock",
    "cancel_backorders",
    "confirm_backorders",
    "fill_backorders",
    "reserve_allowing_backorders",
    "create_default_warehouse",
    "commit_reservation",
    "create_warehouse",
    "notify_low_stock",
    "raise_low_stock_alerts",
    "receive_stock",
    "reconcile_stock",
    "release_expired",
    "release_reservation",
    "reserve",
    "resolve_restocked_alerts",
    "set_stock_level",
    "restock_return",
    "set_stock_levels",
]
