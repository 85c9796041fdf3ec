"""Order writes: the status machine, history events, fulfilment, cancellation, refunds, returns.

Every status change goes through ``_transition`` and leaves an OrderEvent. Network calls
(payment provider, email) never happen here: payments call the gateway and then these services;
emails are queued after commit by the notifications app.
"""

import logging
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.money import quantize
from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock
from apps.orders import events, locks
from apps.orders.exceptions import (
    InvalidFulfillment,
    InvalidOrderTransition,
    InvalidRefund,
    InvalidReturn,
    OrderNotPayable,
)
from apps.orders.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderLine,
    Return,
    ReturnLine,
)
from apps.orders.transitions import can_transition

logger = logging.getLogger(__name__)


def record_order_event(
    *,
    order_id: int,
    type: str,
    message: str = "",
    data: dict | None = None,
    actor_id: int | None = None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order_id=order_id, type=type, message=message, data=data or {}, actor_id=actor_id
    )


def _queue_email(order: Order, kind: str, **context) -> None:
    # Imported here: notifications renders orders, orders asks for mail — keep the import one-way
    # at module load time.
    from apps.notifications import services as notification_services

    notification_services.queue_order_email(order_id=order.id, kind=kind, context=context)


def _transition(
    order: Order,
    new_status: str,
    *,
    event: str,
    actor_id=None,
    also_saving: tuple[str, ...] = (),
    **event_data,
) -> None:
    """``also_saving``: other fields the caller changed, written in the same UPDATE."""
    if not can_transition(order.status, new_status):
        raise InvalidOrderTransition(
            f"Order #{order.number} cannot go from {order.get_status_display().lower()} to "
            f"{Order.Status(new_status).label.lower()}.",
            extra={"order": order.number, "from": order.status, "to": new_status},
        )
    old_status = order.status
    order.status = new_status
    order.save(update_fields=["status", "updated_at", *also_saving])
    record_order_event(
        order_id=order.id,
        type=event,
        data={"from": old_status, "to": new_status, **event_data},
        actor_id=actor_id,
    )
    logger.info("order #%s: %s → %s", order.number, old_status, new_status)


@transaction.atomic
def mark_order_paid(*, order_id: int, amount: Decimal, payment_reference: str = "") -> Order:
    """Payment succeeded: commit the stock hold, mark paid, queue the confirmation.

    Idempotent: a second success for a paid order changes nothing. Raises OrderNotPayable when
    the order was cancelled (its hold expired); the caller refunds the payment.
    """
    return mark_locked_order_paid(
        order=locks.lock_order(order_id), amount=amount, payment_reference=payment_reference
    )


def mark_locked_order_paid(*, order: Order, amount: Decimal, payment_reference: str = "") -> Order:
    """``mark_order_paid`` for an order the caller's transaction has locked (``locks``).

    Raises OrderNotPayable before writing anything (the stock commit undoes its own writes
    when it refuses), so the caller's transaction stays usable without a savepoint.
    """
    if order.payment_status == Order.PaymentStatus.PAID or order.paid_at is not None:
        return order
    if order.status != Order.Status.PENDING:
        raise OrderNotPayable(
            f"Order #{order.number} is {order.get_status_display().lower()} and cannot be paid.",
            extra={"order": order.number, "status": order.status},
        )
    if quantize(amount) != order.total:
        raise OrderNotPayable(
            f"Payment of {amount} does not match the order total {order.total}.",
            extra={"order": order.number, "amount": str(amount), "total": str(order.total)},
        )
    try:
        inventory_services.commit_reservation(
            reference=order.reservation_reference, order_reference=str(order.number)
        )
    except InsufficientStock as exc:
        # The hold expired and the units were sold to someone else meanwhile.
        raise OrderNotPayable(
            f"Order #{order.number}'s items are no longer in stock.",
            extra={"order": order.number, **exc.extra},
        ) from exc
    order.payment_status = Order.PaymentStatus.PAID
    order.paid_at = timezone.now()
    _transition(
        order, Order.Status.PAID, event=OrderEvent.Type.PAID, payment=payment_reference,
        also_saving=("payment_status", "paid_at"),
    )  # fmt: skip
    _queue_email(order, "confirmed")
    events.emit_order_event(order, "order.paid")
    return order


@transaction.atomic
def mark_payment_failed(*, order_id: int, reason: str = "") -> Order:
    """A payment attempt failed: the order stays pending and its units go back on sale.

    The shopper may retry with another card until the hold's deadline; a later success
    re-takes the units if they are still free (``commit_reservation``), else it is refunded.
    """
    order = locks.lock_order(order_id)
    if order.status == Order.Status.PENDING:
        order.payment_status = Order.PaymentStatus.FAILED
        order.save(update_fields=["payment_status", "updated_at"])
        inventory_services.release_reservation(reference=order.reservation_reference)
    record_order_event(order_id=order.id, type=OrderEvent.Type.PAYMENT_FAILED, message=reason[:255])
    return order


def _restock(line: OrderLine, quantity: int, order: Order, *, actor_id, note: str) -> None:
    """Units come back to the warehouse they were sold from (a ``return`` ledger row)."""
    warehouse_id = inventory_selectors.get_restock_warehouse_id(
        variant_id=line.variant_id,  # type: ignore[arg-type]
        order_reference=str(order.number),
    )
    if warehouse_id is None:
        raise InvalidReturn("There is no active warehouse to put the units back into.")
    inventory_services.restock_return(
        variant_id=line.variant_id,  # type: ignore[arg-type]
        warehouse_id=warehouse_id,
        quantity=quantity,
        order_reference=str(order.number),
        actor_id=actor_id,
        note=note,
    )


@transaction.atomic
def cancel_order(*, order_id: int, actor_id: int | None = None, reason: str = "") -> Order:
    """Cancel: a pending order releases its stock hold; a paid, unshipped one is restocked.

    Refunding a paid order is the caller's next step (payments service, outside this
    transaction, since it calls the provider).
    """
    order = locks.lock_order(order_id)
    if order.status == Order.Status.CANCELLED:
        return order
    was_paid = order.status == Order.Status.PAID
    _transition(
        order, Order.Status.CANCELLED, event=OrderEvent.Type.CANCELLED, actor_id=actor_id,
        reason=reason,
    )  # fmt: skip
    if was_paid:
        for line in order.lines.exclude(variant=None):
            _restock(line, line.quantity, order, actor_id=actor_id, note="Order cancelled")
    else:
        inventory_services.release_reservation(reference=order.reservation_reference)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["cancelled_at", "updated_at"])
    events.emit_order_event(order, "order.cancelled")
    return order


@transaction.atomic
def fulfill_order(
    *,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    carrier: str = "",
    tracking_number: str = "",
    actor_id: int | None = None,
) -> Fulfillment:
    """Ship some or all remaining units: ``lines`` are (order_line_id, quantity)."""
    order = locks.lock_order(order_id)
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_FULFILLED):
        raise InvalidOrderTransition(
            f"Order #{order.number} is {order.get_status_display().lower()}; only paid orders "
            "can be fulfilled.",
            extra={"order": order.number, "status": order.status},
        )
    order_lines = {line.id: line for line in order.lines.select_for_update()}
    requested = [(line_id, qty) for line_id, qty in lines if qty]
    if not requested:
        raise InvalidFulfillment("Choose at least one item to ship.")
    for line_id, quantity in requested:
        line = order_lines.get(line_id)
        if line is None or quantity < 0 or quantity > line.quantity_unfulfilled:
            raise InvalidFulfillment(
                "A line cannot ship more than it has left.",
                extra={"line": line_id, "quantity": quantity},
            )
    fulfillment = Fulfillment.objects.create(
        order=order, carrier=carrier.strip(), tracking_number=tracking_number.strip()
    )
    for line_id, quantity in requested:
        line = order_lines[line_id]
        FulfillmentLine.objects.create(fulfillment=fulfillment, order_line=line, quantity=quantity)
        line.quantity_fulfilled += quantity
        line.save(update_fields=["quantity_fulfilled"])
    everything_shipped = all(line.quantity_unfulfilled == 0 for line in order_lines.values())
    new_status = Order.Status.FULFILLED if everything_shipped else Order.Status.PARTIALLY_FULFILLED
    if new_status != order.status:
        _transition(
            order, new_status, event=OrderEvent.Type.FULFILLED, actor_id=actor_id,
            fulfillment=fulfillment.id, carrier=carrier, tracking_number=tracking_number,
        )  # fmt: skip
    else:
        record_order_event(
            order_id=order.id, type=OrderEvent.Type.FULFILLED, actor_id=actor_id,
            data={"fulfillment": fulfillment.id, "tracking_number": tracking_number},
        )  # fmt: skip
    _queue_email(order, "shipped", fulfillment_id=fulfillment.id)
    events.emit_order_event(order, "order.fulfilled")
    return fulfillment


@transaction.atomic
def mark_order_delivered(*, order_id: int, actor_id: int | None = None) -> Order:
    order = locks.lock_order(order_id)
    _transition(order, Order.Status.DELIVERED, event=OrderEvent.Type.DELIVERED, actor_id=actor_id)
    order.fulfillments.filter(delivered_at=None).update(delivered_at=timezone.now())
    _queue_email(order, "delivered")
    return order


def check_refund(order: Order, amount: Decimal) -> Decimal:
    """Validate a refund amount against what is left; return it quantized."""
    amount = quantize(amount)
    if order.payment_status not in (
        Order.PaymentStatus.PAID,
        Order.PaymentStatus.PARTIALLY_REFUNDED,
    ):
        raise InvalidRefund(f"Order #{order.number} has no payment to refund.")
    if amount <= 0 or amount > order.refundable_amount:
        raise InvalidRefund(
            f"Refund must be between 0.01 and {order.refundable_amount} {order.currency}.",
            extra={"refundable": str(order.refundable_amount), "amount": str(amount)},
        )
    return amount


@transaction.atomic
def record_refund(
    *,
    order_id: int,
    amount: Decimal,
    actor_id: int | None = None,
    reference: str = "",
    reason: str = "",
) -> Order:
    """Book a refund the payment provider has made (callers ensure each refund is booked once)."""
    order = locks.lock_order(order_id)
    amount = check_refund(order, amount)
    order.amount_refunded += amount
    fully = order.amount_refunded == order.total
    order.payment_status = (
        Order.PaymentStatus.REFUNDED if fully else Order.PaymentStatus.PARTIALLY_REFUNDED
    )
    order.save(update_fields=["amount_refunded", "payment_status", "updated_at"])
    data: dict = {"amount": str(amount), "reference": reference, "reason": reason}
    if fully and order.status != Order.Status.CANCELLED:
        _transition(order, Order.Status.REFUNDED, event=OrderEvent.Type.REFUNDED, actor_id=actor_id,
                    **data)  # fmt: skip
    else:
        record_order_event(
            order_id=order.id, type=OrderEvent.Type.REFUNDED, data=data, actor_id=actor_id
        )
    _queue_email(order, "refunded", amount=str(amount))
    return order


@transaction.atomic
def request_return(*, order_id: int, lines: Sequence[tuple[int, int]], reason: str = "") -> Return:
    """A customer asks to send back shipped units: ``lines`` are (order_line_id, quantity)."""
    order = locks.lock_order(order_id)
    if order.status not in (
        Order.Status.PARTIALLY_FULFILLED,
        Order.Status.FULFILLED,
        Order.Status.DELIVERED,
    ):
        raise InvalidReturn("Only shipped items can be returned.")
    order_lines = {line.id: line for line in order.lines.all()}
    pending = _units_in_open_returns(order)
    requested = [(line_id, qty) for line_id, qty in lines if qty]
    if not requested:
        raise InvalidReturn("Choose at least one item to return.")
    for line_id, quantity in requested:
        line = order_lines.get(line_id)
        returnable = (
            line.quantity_fulfilled - line.quantity_returned - pending.get(line_id, 0)
            if line
            else 0
        )
        if quantity < 0 or quantity > returnable:
            raise InvalidReturn(
                "You can return at most the units shipped and not yet returned.",
                extra={"line": line_id, "quantity": quantity, "returnable": returnable},
            )
    return_request = Return.objects.create(order=order, reason=reason.strip())
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_line_id=line_id, quantity=quantity)
        for line_id, quantity in requested
    )
    record_order_event(
        order_id=order.id,
        type=OrderEvent.Type.RETURN_REQUESTED,
        data={"return": return_request.id, "reason": reason[:200]},
    )
    _queue_email(order, "return_requested", return_id=return_request.id)
    return return_request


def _units_in_open_returns(order: Order) -> dict[int, int]:
    units: dict[int, int] = {}
    open_lines = ReturnLine.objects.filter(
        return_request__order=order,
        return_request__status__in=[Return.Status.REQUESTED, Return.Status.APPROVED],
    )
    for line in open_lines:
        units[line.order_line_id] = units.get(line.order_line_id, 0) + line.quantity
    return units


def _lock_return(return_id: int) -> Return:
    return_request = Return.objects.select_related("order").get(pk=return_id)
    locks.lock_order(return_request.order_id)
    return Return.objects.select_for_update(of=("self",)).get(pk=return_id)


@transaction.atomic
def approve_return(*, return_id: int, actor_id: int | None = None) -> Return:
    return_request = _lock_return(return_id)
    if return_request.status != Return.Status.REQUESTED:
        raise InvalidReturn("Only requested returns can be approved.")
    return_request.status = Return.Status.APPROVED
    return_request.save(update_fields=["status", "updated_at"])
    record_order_event(
        order_id=return_request.order_id, type=OrderEvent.Type.RETURN_APPROVED,
        data={"return": return_id}, actor_id=actor_id,
    )  # fmt: skip
    _queue_email(return_request.order, "return_approved", return_id=return_id)
    return return_request


@transaction.atomic
def reject_return(*, return_id: int, actor_id: int | None = None, reason: str = "") -> Return:
    return_request = _lock_return(return_id)
    if return_request.status not in (Return.Status.REQUESTED, Return.Status.APPROVED):
        raise InvalidReturn("This return is already closed.")
    return_request.status = Return.Status.REJECTED
    return_request.save(update_fields=["status", "updated_at"])
    record_order_event(
        order_id=return_request.order_id, type=OrderEvent.Type.RETURN_REJECTED,
        data={"return": return_id, "reason": reason[:200]}, actor_id=actor_id,
    )  # fmt: skip
    _queue_email(return_request.order, "return_rejected", return_id=return_id)
    return return_request


@transaction.atomic
def receive_return(*, return_id: int, actor_id: int | None = None) -> Return:
    """Approved units arrived: restock them (ledger `return` rows) and set the refund amount.

    The refund itself is the payments service's next step, outside this transaction.
    """
    return_request = _lock_return(return_id)
    if return_request.status != Return.Status.APPROVED:
        raise InvalidReturn("Only approved returns can be received.")
    order = return_request.order
    refund = Decimal("0")
    for return_line in return_request.lines.select_related("order_line"):
        line: OrderLine = return_line.order_line
        line.quantity_returned += return_line.quantity
        line.save(update_fields=["quantity_returned"])
        refund += quantize(line.line_total * return_line.quantity / line.quantity)
        if line.variant_id:
            _restock(line, return_line.quantity, order, actor_id=actor_id,
                     note=f"Return {return_request.id}")  # fmt: skip
    return_request.status = Return.Status.RECEIVED
    return_request.refund_amount = min(refund, order.refundable_amount)
    return_request.save(update_fields=["status", "refund_amount", "updated_at"])
    record_order_event(
        order_id=order.id, type=OrderEvent.Type.RETURN_RECEIVED,
        data={"return": return_id, "refund": str(return_request.refund_amount)},
        actor_id=actor_id,
    )  # fmt: skip
    return return_request


def cancel_expired_orders(*, now=None, limit: int = 200) -> int:
    """Cancel pending orders whose stock hold has lapsed (architecture §3 step 5).

    Tidiness, not correctness: an expired hold already stops blocking other shoppers.
    Returns how many orders were cancelled; safe to run repeatedly.
    """
    now = now or timezone.now()
    cancelled = 0
    pending = Order.objects.filter(status=Order.Status.PENDING).order_by("id")[:limit]
    for order in pending:
        # The hold's own deadline counts, not its state: a declined payment releases the units
        # at once, yet the shopper may still retry with another card until the deadline.
        expires_at = inventory_selectors.get_hold_expiry(reference=order.reservation_reference)
        if expires_at is not None and expires_at > now:
            continue
        cancel_order(order_id=order.id, reason="Payment not received before the hold expired")
        cancelled += 1
    return cancelled
