"""Selling beyond stock: what a variant's ``inventory_policy`` allows, for shoppers and checkout.

``deny`` (the default) sells free units only. ``backorder`` keeps selling when they run out; the
units beyond stock ship in ``backorder_lead_days``. ``preorder`` sells beyond stock until
``preorder_until`` (the expected shipping date), at most ``preorder_cap`` units in all (enforced
by ``services.reserve_allowing_backorders`` under the variant's lock); after that date it sells
free units only, like ``deny``.

Plain functions of a loaded Variant: no queries.
"""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from apps.catalog.models import InventoryPolicy, Variant

# What the cart may hold of a variant that sells beyond stock without a cap (the cart's own
# per-line maximum applies below it).
UNLIMITED = 9999


def accepts_beyond_stock(variant: Variant, *, today: date | None = None) -> bool:
    """True when the variant may be sold beyond its free units today."""
    policy = variant.inventory_policy
    if policy == InventoryPolicy.BACKORDER:
        return True
    if policy == InventoryPolicy.PREORDER and variant.preorder_until is not None:
        return (today or timezone.localdate()) <= variant.preorder_until
    return False


def ships_on(variant: Variant, *, today: date | None = None) -> date:
    """When units sold beyond stock today are expected to ship."""
    if variant.inventory_policy == InventoryPolicy.PREORDER and variant.preorder_until:
        return variant.preorder_until
    return (today or timezone.localdate()) + timedelta(days=variant.backorder_lead_days)


def sellable_units(variant: Variant, free: int, *, today: date | None = None) -> int:
    """Units a shopper may put in the cart: the free units, or more when the policy allows.

    A pre-order cap is an upper bound here (free units plus the cap); the exact remainder is
    checked when the order is placed.
    """
    free = max(free, 0)
    if not accepts_beyond_stock(variant, today=today):
        return free
    if variant.inventory_policy == InventoryPolicy.PREORDER and variant.preorder_cap is not None:
        return free + variant.preorder_cap
    return UNLIMITED


def stock_note(variant: Variant, free: int, *, today: date | None = None) -> str:
    """What the shopper is told about units beyond stock; "" when the free units suffice."""
    if free > 0 or not accepts_beyond_stock(variant, today=today):
        return ""
    return shipping_note(
        kind=variant.inventory_policy, ships=ships_on(variant, today=today), today=today
    )


def shipping_note(*, kind: str, ships: date | None, today: date | None = None) -> str:
    """ "Pre-order: ships 12 January 2027" / "Back-order: ships in 14 days" (cart, checkout,
    order page and email use the same words as the product page)."""
    if ships is None:
        return ""
    if kind == InventoryPolicy.PREORDER:
        return f"Pre-order: ships {date_format(ships, 'j F Y')}"
    days = max((ships - (today or timezone.localdate())).days, 0)
    return f"Back-order: ships in {days} day{'s' if days != 1 else ''}"
