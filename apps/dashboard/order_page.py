"""What the store admin's order page shows: the order as a merchant reads it.

Addresses formatted, lines with thumbnails, payment and fulfilment status, one timeline of the
order's events, refunds and shipments. Internal identifiers (the order's and payments' tokens,
provider ids, idempotency keys) are not part of it. A fixed number of queries per order.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min, Prefetch, Q, Sum

from apps.catalog.models import ProductImage
from apps.checkout import addresses
from apps.orders.models import Fulfillment, Order, OrderDiscount, OrderEvent, OrderLine
from apps.payments.gateways import registry as gateway_registry
from apps.payments.models import Payment, Refund


@dataclass
class Line:
    line: OrderLine
    thumbnail_url: str
    product_id: int | None

    @property
    def returnable(self) -> int:
        return self.line.quantity_fulfilled - self.line.quantity_returned


@dataclass
class TimelineEntry:
    when: object
    title: str
    detail: str = ""
    actor: str = ""


@dataclass
class OrderPage:
    order: Order
    lines: list[Line]
    shipping_address: list[str]
    billing_address: list[str]
    fulfillments: Sequence[Fulfillment]
    payments: list[Payment]
    refunds: list[Refund]
    timeline: list[TimelineEntry] = field(default_factory=list)
    # Per promotion and voucher: {"source", "label", "items", "shipping"}: the amounts taken
    # off the lines and off shipping.
    discounts: Sequence[Mapping] = field(default_factory=list)

    @property
    def fulfilment_label(self) -> str:
        shipped = sum(line.line.quantity_fulfilled for line in self.lines)
        total = sum(line.line.quantity for line in self.lines)
        if self.order.status == Order.Status.CANCELLED:
            return "Cancelled"
        if self.order.status == Order.Status.DELIVERED:
            return "Delivered"
        if shipped == 0:
            return "Unfulfilled"
        return "Fulfilled" if shipped >= total else f"Partially fulfilled ({shipped} of {total})"

    @property
    def net_total(self) -> Decimal:
        return self.order.total - self.order.amount_refunded


EVENT_DETAIL_KEYS = ("carrier", "tracking_number", "amount", "reason", "kind", "refund")


def _event_entry(event: OrderEvent) -> TimelineEntry:
    data = event.data or {}
    details = []
    for key in EVENT_DETAIL_KEYS:
        value = data.get(key)
        if value not in (None, ""):
            details.append(f"{key.replace('_', ' ')}: {value}")
    detail = event.message or " · ".join(details)
    actor = event.actor.email if event.actor_id and event.actor else ""
    return TimelineEntry(event.created_at, event.get_type_display(), detail, actor)


def get_order_page(order_id: int) -> OrderPage:
    order = Order.objects.select_related("user").get(pk=order_id)
    lines = list(OrderLine.objects.filter(order=order).select_related("variant").order_by("id"))
    product_ids = {line.variant.product_id for line in lines if line.variant}
    thumbnails: dict[int, str] = {}
    # One image per product: the first by position (DISTINCT ON).
    for image in (
        ProductImage.objects.filter(product_id__in=product_ids)
        .order_by("product_id", "position", "id")
        .distinct("product_id")
    ):
        source = image.thumbnail_small or image.image
        thumbnails[image.product_id] = source.url if source else ""
    events = list(
        OrderEvent.objects.filter(order=order)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    fulfillments = list(
        Fulfillment.objects.filter(order=order).prefetch_related(
            Prefetch("lines", to_attr="shipped_lines")
        )
    )
    for fulfillment in fulfillments:
        fulfillment.units = sum(line.quantity for line in fulfillment.shipped_lines)  # type: ignore[attr-defined]
    payments = list(
        Payment.objects.filter(order=order).select_related("gift_card").order_by("created_at", "id")
    )
    for payment in payments:
        payment.gateway_label = _payment_label(payment)  # type: ignore[attr-defined]
    labels = {payment.pk: payment.gateway_label for payment in payments}  # type: ignore[attr-defined]
    refunds = list(Refund.objects.filter(order=order).order_by("created_at", "id"))
    for refund in refunds:  # each refund goes back to one of the payments
        refund.refunded_to = labels.get(refund.payment_id, "")  # type: ignore[attr-defined]
    discounts = list(
        OrderDiscount.objects.filter(order=order)
        .values("source", "source_id")
        .annotate(
            label=Max("label"),
            items=Sum("amount", filter=Q(line__isnull=False), default=Decimal("0")),
            shipping=Sum("amount", filter=Q(line__isnull=True), default=Decimal("0")),
            first=Min("id"),
        )
        .order_by("first")
    )
    return OrderPage(
        order=order,
        lines=[
            Line(
                line=line,
                thumbnail_url=thumbnails.get(line.variant.product_id, "") if line.variant else "",
                product_id=line.variant.product_id if line.variant else None,
            )
            for line in lines
        ],
        shipping_address=addresses.format_address(order.shipping_address or {}),
        billing_address=addresses.format_address(order.billing_address or {}),
        fulfillments=fulfillments,
        payments=payments,
        refunds=refunds,
        timeline=[_event_entry(event) for event in events],
        discounts=discounts,
    )


def _payment_label(payment: Payment) -> str:
    """ "Gift card …7K3M" for a gift card's share, else the gateway's label ("Test gateway")."""
    if payment.gift_card is not None:
        return f"Gift card …{payment.gift_card.last4}"
    gateway = gateway_registry.GATEWAYS.get(payment.gateway)
    return gateway.label if gateway else payment.gateway
