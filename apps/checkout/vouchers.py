"""Voucher rules. ``check_voucher`` is advisory (shown while shopping); ``redeem_voucher`` is the
authoritative, atomic check made when the order is placed."""

from decimal import Decimal

from django.db.models import Count, F, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.checkout.exceptions import InvalidVoucher
from apps.checkout.models import Voucher, VoucherRedemption
from apps.core.money import quantize
from apps.markets.pricing import MarketView


def find_voucher(code: str) -> Voucher:
    code = (code or "").strip().upper()
    if not code or len(code) > 40:
        raise InvalidVoucher("Enter a voucher code.")
    try:
        return Voucher.objects.get(code=code, active=True)
    except Voucher.DoesNotExist as exc:
        raise InvalidVoucher(f"“{code}” is not a valid voucher code.") from exc


def check_voucher(
    voucher: Voucher, *, subtotal: Decimal, email: str = "", market: MarketView | None = None
) -> None:
    """``subtotal``: in the ``market``'s currency (the store's when None)."""
    now = timezone.now()
    minimum = amounts_in_market(voucher, market)[1]
    currency = market.currency if market is not None else ""
    if not voucher.active:
        raise InvalidVoucher(f"Voucher {voucher.code} is no longer active.")
    if voucher.starts_at and now < voucher.starts_at:
        raise InvalidVoucher(f"Voucher {voucher.code} is not valid yet.")
    if voucher.ends_at and now >= voucher.ends_at:
        raise InvalidVoucher(f"Voucher {voucher.code} has expired.")
    if subtotal < minimum:
        raise InvalidVoucher(
            f"Voucher {voucher.code} needs a subtotal of at least {minimum}"
            + (f" {currency}." if currency else "."),
            extra={"minimum_subtotal": str(minimum)},
        )
    if voucher.usage_limit is not None and voucher.times_used >= voucher.usage_limit:
        raise InvalidVoucher(f"Voucher {voucher.code} has been fully used.")
    if email and voucher.usage_limit_per_customer is not None:
        used = VoucherRedemption.objects.filter(voucher=voucher, email__iexact=email).count()
        if used >= voucher.usage_limit_per_customer:
            raise InvalidVoucher(f"You have already used voucher {voucher.code}.")


def discount_for(
    voucher: Voucher | None, *, subtotal: Decimal, market: MarketView | None = None
) -> Decimal:
    """Amount taken off the subtotal (free shipping is applied to shipping instead), in the
    ``market``'s currency (the store's when None): a fixed amount is the market's own for the
    voucher, else the voucher's converted."""
    currency = None if market is None or market.is_base else market.currency
    if voucher is None:
        return quantize(Decimal("0"), currency)
    if voucher.kind == Voucher.Kind.PERCENT:
        share = subtotal * min(voucher.value, Decimal("100")) / 100
        return min(subtotal, quantize(share, currency))
    if voucher.kind == Voucher.Kind.FIXED:
        return min(subtotal, amounts_in_market(voucher, market)[0])
    return quantize(Decimal("0"), currency)


def amounts_in_market(voucher: Voucher, market: MarketView | None) -> tuple[Decimal, Decimal]:
    """The voucher's fixed value and minimum subtotal in the market's currency."""
    if market is None or market.is_base:
        return quantize(voucher.value), voucher.minimum_subtotal
    own = market.voucher_amounts.get(voucher.pk)
    if own is not None:
        return own
    return market.convert(voucher.value), market.convert(voucher.minimum_subtotal)


def redeem_voucher(*, voucher_id: int, order_id: int, email: str, subtotal: Decimal) -> None:
    """Count the use with one conditional UPDATE that re-checks every rule; record who used it.
    Call inside a transaction.

    The UPDATE takes the voucher's row lock, and PostgreSQL re-checks its condition on the
    newest row version after any wait, so concurrent redemptions can never overrun the global
    limit (the CHECK constraint backs it). The per-customer count is read after the lock is
    held, by a statement that sees every redemption committed by earlier holders.
    """
    now = timezone.now()
    usable = (
        Q(pk=voucher_id, active=True, minimum_subtotal__lte=subtotal)
        & (Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        & (Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
    )
    if not Voucher.objects.filter(usable).update(times_used=F("times_used") + 1):
        voucher = Voucher.objects.filter(pk=voucher_id).first()
        if voucher is not None:
            check_voucher(voucher, subtotal=subtotal)  # raises with the precise reason
        raise InvalidVoucher("This voucher can no longer be used.")
    email = email.lower()
    used_by_customer = (
        VoucherRedemption.objects.filter(voucher_id=voucher_id, email__iexact=email)
        .order_by()
        .values("voucher_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    limit, used = (
        Voucher.objects.filter(pk=voucher_id)
        .annotate(used=Coalesce(Subquery(used_by_customer), 0))
        .values_list("usage_limit_per_customer", "used")
        .get()
    )
    if limit is not None and email and used >= limit:
        raise InvalidVoucher("You have already used this voucher.")
    VoucherRedemption.objects.create(voucher_id=voucher_id, order_id=order_id, email=email)
