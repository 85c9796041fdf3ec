"""Returns (RMA): requested by the customer, approved or rejected, received and restocked.

The refund of received units is the payments app's next step, outside these transactions.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from apps.orders import locks
from apps.orders.exceptions import InvalidReturn
from apps.orders.models import Order, OrderEvent, OrderLine, Return, ReturnLine
from apps.orders.services import emails, history, restocking


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
    order_lines, requested = _returnable_lines(
        order,
        lines,
        none_chosen="Choose at least one item to return.",
        too_many="You can return at most the units shipped and not yet returned.",
    )
    return_request = Return.objects.create(order=order, reason=reason.strip())
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_line_id=line_id, quantity=quantity)
        for line_id, quantity in requested
    )
    history.record_order_event(
        order_id=order.id,
        type=OrderEvent.Type.RETURN_REQUESTED,
        data={"return": return_request.id, "reason": reason[:200]},
    )
    emails.queue_email(order, "return_requested", return_id=return_request.id)
    return return_request


def _returnable_lines(order, lines, *, none_chosen: str, too_many: str):
    """The order's lines by id and the ``(line_id, quantity)`` pairs asked for, checked: at least
    one, and none beyond the units shipped, not yet returned and not in an open return."""
    order_lines = {line.id: line for line in order.lines.all()}
    pending = _units_in_open_returns(order)
    requested = [(line_id, qty) for line_id, qty in lines if qty]
    if not requested:
        raise InvalidReturn(none_chosen)
    for line_id, quantity in requested:
        line = order_lines.get(line_id)
        returnable = (
            line.quantity_fulfilled - line.quantity_returned - pending.get(line_id, 0)
            if line
            else 0
        )
        if quantity < 0 or quantity > returnable:
            raise InvalidReturn(
                too_many,
                extra={"line": line_id, "quantity": quantity, "returnable": returnable},
            )
    return order_lines, requested


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
    history.record_order_event(
        order_id=return_request.order_id, type=OrderEvent.Type.RETURN_APPROVED,
        data={"return": return_id}, actor_id=actor_id,
    )  # fmt: skip
    emails.queue_email(return_request.order, "return_approved", return_id=return_id)
    return return_request


@transaction.atomic
def reject_return(*, return_id: int, actor_id: int | None = None, reason: str = "") -> Return:
    return_request = _lock_return(return_id)
    if return_request.status not in (Return.Status.REQUESTED, Return.Status.APPROVED):
        raise InvalidReturn("This return is already closed.")
    return_request.status = Return.Status.REJECTED
    return_request.save(update_fields=["status", "updated_at"])
    history.record_order_event(
        order_id=return_request.order_id, type=OrderEvent.Type.RETURN_REJECTED,
        data={"return": return_id, "reason": reason[:200]}, actor_id=actor_id,
    )  # fmt: skip
    emails.queue_email(return_request.order, "return_rejected", return_id=return_id)
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
        refund += line.value_of_units(
            return_line.quantity, prices_include_tax=order.prices_include_tax
        )
        if line.variant_id:
            restocking.restock_line(line, return_line.quantity, order, actor_id=actor_id,
                     note=f"Return {return_request.id}")  # fmt: skip
    return_request.status = Return.Status.RECEIVED
    return_request.refund_amount = min(refund, order.refundable_amount)
    return_request.save(update_fields=["status", "refund_amount", "updated_at"])
    history.record_order_event(
        order_id=order.id, type=OrderEvent.Type.RETURN_RECEIVED,
        data={"return": return_id, "refund": str(return_request.refund_amount)},
        actor_id=actor_id,
    )  # fmt: skip
    return return_request


@transaction.atomic
def take_back_lines(
    *,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    restock: bool,
    actor_id: int | None = None,
    reason: str = "",
) -> Return:
    """The merchant takes back shipped units (a refund by lines): recorded as a return already
    received, with the units restocked (``return`` ledger rows) unless ``restock`` is off
    (damaged goods). Sets the return's refund amount; the refund is the payments app's next
    step, outside this transaction. No email: the refund sends its own.
    """
    order = locks.lock_order(order_id)
    order_lines, taken = _returnable_lines(
        order,
        lines,
        none_chosen="Choose at least one item.",
        too_many="Only shipped units not yet returned can be taken back.",
    )
    refund = Decimal("0")
    return_request = Return.objects.create(
        order=order, reason=reason.strip()[:500], status=Return.Status.RECEIVED
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_line_id=line_id, quantity=quantity)
        for line_id, quantity in taken
    )
    for line_id, quantity in taken:
        line = order_lines[line_id]
        line.quantity_returned += quantity
        line.save(update_fields=["quantity_returned"])
        refund += line.value_of_units(quantity, prices_include_tax=order.prices_include_tax)
        if restock and line.variant_id:
            restocking.restock_line(line, quantity, order, actor_id=actor_id,
                                    note=f"Refund of return {return_request.id}")  # fmt: skip
    return_request.refund_amount = min(refund, order.refundable_amount)
    return_request.save(update_fields=["refund_amount", "updated_at"])
    history.record_order_event(
        order_id=order.id, type=OrderEvent.Type.RETURN_RECEIVED,
        data={"return": return_request.id, "refund": str(return_request.refund_amount),
              "restocked": restock},
        actor_id=actor_id,
    )  # fmt: skip
    return return_request
