"""Voucher rules. ``check_voucher`` is advisory (shown while shopping); ``redeem_voucher`` is the
authoritative, atomic check made when the order is placed."""

from decimal import Decimal

from django.utils import timezone

from apps.checkout.exceptions import InvalidVoucher
from apps.checkout.models import Voucher, VoucherRedemption
from apps.core.money import quantize


def find_voucher(code: str) -> Voucher:
    code = (code or "").strip().upper()
    if not code or len(code) > 40:
        raise InvalidVoucher("Enter a voucher code.")
    try:
        return Voucher.objects.get(code=code, active=True)
    except Voucher.DoesNotExist as exc:
        raise InvalidVoucher(f"“{code}” is not a valid voucher code.") from exc


def check_voucher(voucher: Voucher, *, subtotal: Decimal, email: str = "") -> None:
    now = timezone.now()
    if not voucher.active:
        raise InvalidVoucher(f"Voucher {voucher.code} is no longer active.")
    if voucher.starts_at and now < voucher.starts_at:
        raise InvalidVoucher(f"Voucher {voucher.code} is not valid yet.")
    if voucher.ends_at and now >= voucher.ends_at:
        raise InvalidVoucher(f"Voucher {voucher.code} has expired.")
    if subtotal < voucher.minimum_subtotal:
        raise InvalidVoucher(
            f"Voucher {voucher.code} needs a subtotal of at least {voucher.minimum_subtotal}.",
            extra={"minimum_subtotal": str(voucher.minimum_subtotal)},
        )
    if voucher.usage_limit is not None and voucher.times_used >= voucher.usage_limit:
        raise InvalidVoucher(f"Voucher {voucher.code} has been fully used.")
    if email and voucher.usage_limit_per_customer is not None:
        used = VoucherRedemption.objects.filter(voucher=voucher, email__iexact=email).count()
        if used >= voucher.usage_limit_per_customer:
            raise InvalidVoucher(f"You have already used voucher {voucher.code}.")


def discount_for(voucher: Voucher | None, *, subtotal: Decimal) -> Decimal:
    """Amount taken off the subtotal (free shipping is applied to shipping instead)."""
    if voucher is None:
        return Decimal("0.00")
    if voucher.kind == Voucher.Kind.PERCENT:
        return min(subtotal, quantize(subtotal * min(voucher.value, Decimal("100")) / 100))
    if voucher.kind == Voucher.Kind.FIXED:
        return min(subtotal, quantize(voucher.value))
    return Decimal("0.00")


def redeem_voucher(*, voucher_id: int, order_id: int, email: str, subtotal: Decimal) -> Voucher:
    """Lock the voucher row, re-check every rule, count the use. Call inside a transaction.

    The row lock serialises concurrent redemptions of one code, so neither the global nor the
    per-customer limit can be overrun; the CHECK constraint backs the global limit.
    """
    voucher = Voucher.objects.select_for_update().get(pk=voucher_id)
    check_voucher(voucher, subtotal=subtotal, email=email)
    voucher.times_used += 1
    voucher.save(update_fields=["times_used"])
    VoucherRedemption.objects.create(voucher=voucher, order_id=order_id, email=email.lower())
    return voucher
