"""Creating orders: the one place an Order and its lines are written.

The checkout app decides *what* is ordered (lines priced from the catalog, totals, address,
voucher) and hands it over as an ``OrderDraft``; this module takes the stock and writes the
order. Call inside the transaction that took the cart for this order
(``apps.cart.services.take_cart_for_order``): the cart row's lock is what makes one checkout
yield at most one order.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from apps.catalog.models import InventoryPolicy, Variant
from apps.inventory import services as inventory_services
from apps.observability import metrics
from apps.orders import events
from apps.orders.models import Order, OrderDiscount, OrderEvent, OrderLine
from apps.orders.services import history

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiscountDraft:
    """One promotion's or voucher's share of a line or of shipping."""

    source: str  # OrderDiscount.Source
    source_id: int | None
    label: str
    amount: Decimal


@dataclass(frozen=True)
class OrderLineDraft:
    variant: Variant  # with its product loaded (the line snapshots both names)
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    line_total: Decimal  # before discounts
    # A gift card bought as a product: no stock is held for it; ``gift_card`` is its recipient.
    is_gift_card: bool = False
    gift_card: dict = field(default_factory=dict)
    discounts: tuple[DiscountDraft, ...] = ()

    @property
    def discount_amount(self) -> Decimal:
        return sum((d.amount for d in self.discounts), Decimal("0.00"))


@dataclass(frozen=True)
class OrderDraft:
    """Everything an order snapshots, priced and checked by the caller."""

    checkout_token: UUID
    user_id: int | None
    email: str
    currency: str
    prices_include_tax: bool
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    shipping_address: dict
    billing_address: dict
    shipping_method_name: str
    voucher_code: str
    lines: tuple[OrderLineDraft, ...]
    shipping_discounts: tuple[DiscountDraft, ...] = ()
    # The rate the draft was priced with (issue 20): units of ``currency`` for one unit of
    # ``base_currency``; blank base currency: the amounts are in the store's currency.
    base_currency: str = ""
    exchange_rate: Decimal = Decimal("1")
    rate_source: str = ""
    rate_updated_at: datetime | None = None

    @property
    def reservation_reference(self) -> str:
        """The stock hold's reference; ``Order.reservation_reference`` of the order made."""
        return f"checkout:{self.checkout_token}"


def create_order(*, draft: OrderDraft) -> Order:
    """Reserve the draft's stock, then write the pending order, its lines and its history.

    Raises InsufficientStock (409, per-line availability) before anything is written. The
    order row is unique per checkout token. Payment starts after the caller's transaction
    commits.
    """
    # Stock first: InsufficientStock aborts everything below. Gift cards hold no stock (an
    # order of gift cards only reserves nothing, and paying it then commits nothing).
    stocked = [line for line in draft.lines if not line.is_gift_card]
    backorders: dict = {}
    if any(line.variant.inventory_policy != InventoryPolicy.DENY for line in stocked):
        # Some variant may sell beyond stock: free units are held, the rest back-ordered.
        backorders = inventory_services.reserve_allowing_backorders(
            reference=draft.reservation_reference,
            lines=[(line.variant, line.quantity) for line in stocked],
        )
    elif stocked:
        inventory_services.reserve(
            reference=draft.reservation_reference,
            lines=[(line.variant.id, line.quantity) for line in stocked],
        )
    order = Order(
        checkout_token=draft.checkout_token,
        user_id=draft.user_id,
        email=draft.email,
        currency=draft.currency,
        prices_include_tax=draft.prices_include_tax,
        subtotal=draft.subtotal,
        discount_total=draft.discount_total,
        shipping_total=draft.shipping_total,
        tax_total=draft.tax_total,
        total=draft.total,
        shipping_address=draft.shipping_address,
        billing_address=draft.billing_address,
        shipping_method_name=draft.shipping_method_name,
        voucher_code=draft.voucher_code,
        has_backorder=bool(backorders),
        has_gift_cards=any(line.is_gift_card for line in draft.lines),
        base_currency=draft.base_currency or draft.currency,
        exchange_rate=draft.exchange_rate,
        rate_source=draft.rate_source,
        rate_updated_at=draft.rate_updated_at,
    )
    # Each amount converted on its own (round per amount): the totals' base equivalents.
    for name in ("subtotal", "discount_total", "shipping_total", "tax_total", "total"):
        setattr(order, f"base_{name}", order.to_base(getattr(order, name)))
    order.base_amount_refunded = Decimal("0")
    order.save(force_insert=True)
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product_name=line.variant.product.name,
            variant_name=line.variant.name,
            sku=line.variant.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            tax_amount=line.tax_amount,
            line_total=line.line_total,
            **_backorder_fields(backorders.get(line.variant.id)),
            is_gift_card=line.is_gift_card,
            gift_card=line.gift_card,
            discount_amount=line.discount_amount,
        )
        for line in draft.lines
    )
    _record_discounts(order, draft, order_lines)
    history.record_order_event(
        order_id=order.id, type=OrderEvent.Type.PLACED, data={"total": str(order.total)}
    )
    events.emit_order_event(order, "order.created")
    logger.info("order #%s placed (%s %s)", order.number, order.total, order.currency)
    metrics.count_on_commit(metrics.orders_placed)
    return order


def _backorder_fields(backorder) -> dict:
    if backorder is None:
        return {}
    return {
        "backordered_quantity": backorder.quantity,
        "backorder_kind": backorder.kind,
        "backorder_ships_on": backorder.ships_on,
    }


def _record_discounts(order: Order, draft: OrderDraft, order_lines: list[OrderLine]) -> None:
    """How each promotion and voucher was allocated: one row per line (or shipping) and
    source, in one INSERT (none when nothing was discounted)."""
    rows = [
        OrderDiscount(order=order, line=order_line, source=d.source, source_id=d.source_id,
                      label=d.label[:100], amount=d.amount)
        for line, order_line in zip(draft.lines, order_lines, strict=True)
        for d in line.discounts
    ] + [
        OrderDiscount(order=order, source=d.source, source_id=d.source_id, label=d.label[:100],
                      amount=d.amount)
        for d in draft.shipping_discounts
    ]  # fmt: skip
    if rows:
        OrderDiscount.objects.bulk_create(rows)


def get_order_of_checkout(*, checkout_token: UUID) -> Order | None:
    """The order a checkout made, if any (read by a new statement: it sees what a concurrent
    transaction committed while the caller waited for the cart's lock)."""
    return Order.objects.filter(checkout_token=checkout_token).first()
