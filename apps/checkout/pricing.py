"""The one pricing function: a basket's promotions, voucher, per-line rounding and tax.

``compute_totals`` prices the cart page, the checkout page, the delivery options and the order
placed, so a shopper sees the same numbers everywhere. Steps, each rounded per line:

1. Line totals (unit price × quantity).
2. Live promotions by priority (higher first, then oldest). A promotion that does not combine
   with other promotions applies only alone; each discounts what earlier ones left of a line.
3. The voucher, unless a promotion that applied does not combine with vouchers: a percentage of
   (or an amount off) what the promotions left, spread over the lines in proportion.
4. Tax per line on the discounted amount: with tax-inclusive prices (the store setting) the tax
   is the part of each line that is tax; otherwise tax is added on top. Shipping is not taxed.

Every discount on a line is kept as an ``Allocation`` (promotion or voucher, amount): the order
line records them, refunds return what the line was really paid, reports sum them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from apps.checkout.models import Promotion, TaxRate, Voucher
from apps.checkout.vouchers import discount_for
from apps.core import store_cache
from apps.core.money import quantize
from apps.markets.pricing import MarketView

TAX_RATES_CACHE_KEY = "checkout:tax-rates"
ZERO = Decimal("0.00")
PROMOTION = "promotion"
VOUCHER = "voucher"


@dataclass(frozen=True)
class PricingLine:
    variant_id: int
    quantity: int
    unit_price: Decimal
    product_id: int | None = None  # what promotions target
    category_id: int | None = None


@dataclass(frozen=True)
class PromotionRule:
    """A promotion as pricing reads it (``promotions.list_promotion_rules``): plain values,
    its targets resolved to product and category ids."""

    id: int
    name: str
    kind: str
    value_type: str
    value: Decimal
    applies_to_all: bool
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()  # with their subcategories
    # Collections are resolved to product ids for the basket at hand (``promotions.rules_for``):
    # automated collections change with stock and time, so their members are read live.
    collection_ids: frozenset[int] = frozenset()
    buy_quantity: int = 0
    get_quantity: int = 0
    minimum_subtotal: Decimal = ZERO
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    priority: int = 0
    combines_with_promotions: bool = False
    combines_with_vouchers: bool = False

    def is_live(self, now: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (
            self.ends_at is None or now < self.ends_at
        )

    def targets(self, product_id: int | None, category_id: int | None) -> bool:
        return (
            self.applies_to_all
            or product_id in self.product_ids
            or (category_id is not None and category_id in self.category_ids)
        )


@dataclass(frozen=True)
class Allocation:
    """One discount's share of one line (or of shipping)."""

    source: str  # PROMOTION or VOUCHER
    source_id: int | None
    label: str  # the promotion's name or the voucher's code
    amount: Decimal


@dataclass(frozen=True)
class PricedLine:
    variant_id: int
    quantity: int
    unit_price: Decimal
    line_total: Decimal  # before discount
    discount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    allocations: tuple[Allocation, ...] = ()

    @property
    def net_total(self) -> Decimal:
        return self.line_total - self.discount


@dataclass(frozen=True)
class AppliedDiscount:
    """A promotion or voucher that took something off: on the lines and on shipping."""

    source: str
    source_id: int | None
    label: str
    amount: Decimal  # off the lines
    shipping_amount: Decimal = ZERO
    free_shipping: bool = False

    @property
    def total(self) -> Decimal:
        return self.amount + self.shipping_amount


@dataclass(frozen=True)
class Totals:
    lines: list[PricedLine]
    subtotal: Decimal
    discount_total: Decimal  # off the lines, promotions and voucher
    shipping_total: Decimal  # after any free shipping
    tax_total: Decimal
    total: Decimal
    prices_include_tax: bool
    applied: tuple[AppliedDiscount, ...] = ()
    shipping_allocations: tuple[Allocation, ...] = ()
    # The promotion that keeps the checkout's voucher from applying ("" when none does).
    voucher_blocked_by: str = ""

    @property
    def items_total(self) -> Decimal:
        """The items after their discounts (before shipping and added tax)."""
        return self.subtotal - self.discount_total

    @property
    def promotions(self) -> list[AppliedDiscount]:
        return [a for a in self.applied if a.source == PROMOTION]

    @property
    def promotion_discount(self) -> Decimal:
        return sum((a.amount for a in self.promotions), ZERO)


def tax_rate_for(country: str) -> Decimal:
    if not country:
        return Decimal("0")
    rates = store_cache.get_or_load(
        TAX_RATES_CACHE_KEY, lambda: dict(TaxRate.objects.values_list("country", "rate"))
    )
    return rates.get(country.upper(), Decimal("0"))


def _spread_discount(
    line_totals: Sequence[Decimal], discount: Decimal, currency: str | None = None
) -> list[Decimal]:
    """Allocate the discount to lines in proportion to their totals; the last takes the rest."""
    subtotal = sum(line_totals, Decimal("0"))
    if not discount or not subtotal:
        return [ZERO] * len(line_totals)
    shares = [quantize(discount * amount / subtotal, currency) for amount in line_totals[:-1]]
    shares.append(quantize(discount - sum(shares, Decimal("0")), currency))
    return shares


def _off(value_type: str, value: Decimal, amount: Decimal, currency: str | None = None) -> Decimal:
    """A percentage of ``amount``, or a fixed amount, never more than ``amount``."""
    if value_type == Promotion.ValueType.PERCENT:
        return min(amount, quantize(amount * min(value, Decimal("100")) / 100, currency))
    return min(amount, quantize(value, currency))


def _in_market(rule: PromotionRule, market: MarketView) -> PromotionRule:
    """The rule with its amounts (a fixed value, a minimum subtotal) in the market's currency."""
    fixed = rule.value_type == Promotion.ValueType.FIXED
    return replace(
        rule,
        value=market.convert(rule.value) if fixed else rule.value,
        minimum_subtotal=market.convert(rule.minimum_subtotal),
    )


def _rule_discounts(
    rule: PromotionRule,
    lines: Sequence[PricingLine],
    eligible: list[int],
    left: list[Decimal],
    currency: str | None = None,
) -> list[Decimal]:
    """What ``rule`` takes off each line (indexes ``eligible``), given what is ``left``."""
    amounts = [ZERO] * len(lines)
    if rule.kind == Promotion.Kind.ITEMS:
        for i in eligible:
            per_unit = rule.value_type == Promotion.ValueType.FIXED
            value = rule.value * lines[i].quantity if per_unit else rule.value
            amounts[i] = _off(rule.value_type, value, left[i], currency)
    elif rule.kind == Promotion.Kind.BUY_X_GET_Y:
        group = rule.buy_quantity + rule.get_quantity
        units = sum(lines[i].quantity for i in eligible)
        discounted = (units // group) * rule.get_quantity if group else 0
        # The cheapest units are the discounted ones (ties: the later line).
        for i in sorted(eligible, key=lambda i: (left[i] / lines[i].quantity, -i)):
            if not discounted:
                break
            count = min(discounted, lines[i].quantity)
            discounted -= count
            part = left[i] * count / lines[i].quantity
            share = quantize(part * min(rule.value, Decimal("100")) / 100, currency)
            amounts[i] = min(left[i], share)
    elif rule.kind == Promotion.Kind.ORDER:
        base = sum((left[i] for i in eligible), ZERO)
        if base and base >= rule.minimum_subtotal:
            shares = _spread_discount([left[i] for i in eligible], _off(
                rule.value_type, rule.value, base, currency
            ), currency)  # fmt: skip
            for i, share in zip(eligible, shares, strict=True):
                amounts[i] = share
    return amounts


def compute_totals(
    *,
    lines: Sequence[PricingLine],
    shipping: Decimal,
    tax_rate: Decimal,
    prices_include_tax: bool,
    promotions: Iterable[PromotionRule] = (),
    voucher: Voucher | None = None,
    now: datetime | None = None,
    market: MarketView | None = None,
) -> Totals:
    """Price a basket (see the module's docstring). ``voucher``: one already checked
    (``vouchers.check_voucher``); ``promotions``: every candidate, live or not. ``market``:
    the currency of the unit prices and shipping given (``MarketView``); promotion and
    voucher amounts are converted into it, every amount rounds to its minor unit. None: the
    store's currency, two places."""
    now = now or timezone.now()
    currency = None if market is None or market.is_base else market.currency
    if currency is not None:
        promotions = [_in_market(rule, market) for rule in promotions]  # type: ignore[arg-type]
    line_totals = [quantize(line.unit_price * line.quantity, currency) for line in lines]
    left = list(line_totals)
    shipping_left = quantize(shipping, currency)
    allocations: list[list[Allocation]] = [[] for _ in lines]
    shipping_allocations: list[Allocation] = []
    applied: list[AppliedDiscount] = []
    applied_rules: list[PromotionRule] = []

    def allocate(source: str, source_id, label: str, amounts, shipping_off=ZERO, free=False):
        nonlocal shipping_left
        for i, amount in enumerate(amounts):
            if amount:
                left[i] -= amount
                allocations[i].append(Allocation(source, source_id, label, amount))
        if shipping_off:
            shipping_left -= shipping_off
            shipping_allocations.append(Allocation(source, source_id, label, shipping_off))
        applied.append(AppliedDiscount(
            source, source_id, label, sum(amounts, ZERO), shipping_off, free
        ))  # fmt: skip

    for rule in sorted(promotions, key=lambda r: (-r.priority, r.id)):
        if not rule.is_live(now):
            continue
        if applied_rules and not (
            rule.combines_with_promotions and all(r.combines_with_promotions for r in applied_rules)
        ):
            continue
        eligible = [i for i, line in enumerate(lines) if rule.targets(
            line.product_id, line.category_id
        )]  # fmt: skip
        if not eligible:
            continue
        if rule.kind == Promotion.Kind.FREE_SHIPPING:
            # Qualifies on the eligible items' subtotal whether or not delivery is chosen yet,
            # so the cart and the checkout agree on which promotions applied.
            if sum((left[i] for i in eligible), ZERO) < rule.minimum_subtotal:
                continue
            allocate(PROMOTION, rule.id, rule.name, [ZERO] * len(lines), shipping_left, True)
        else:
            amounts = _rule_discounts(rule, lines, eligible, left, currency)
            if not any(amounts):
                continue
            allocate(PROMOTION, rule.id, rule.name, amounts)
        applied_rules.append(rule)

    blocked_by = next((r.name for r in applied_rules if not r.combines_with_vouchers), "")
    if voucher is not None and not blocked_by:
        if voucher.kind == Voucher.Kind.FREE_SHIPPING:
            allocate(VOUCHER, voucher.pk, voucher.code, [ZERO] * len(lines), shipping_left, True)
        else:
            amount = discount_for(voucher, subtotal=sum(left, ZERO), market=market)
            allocate(VOUCHER, voucher.pk, voucher.code, _spread_discount(left, amount, currency))

    priced = []
    for line, amount, net, shares in zip(lines, line_totals, left, allocations, strict=True):
        if prices_include_tax:
            tax = quantize(net - net / (1 + tax_rate), currency)
        else:
            tax = quantize(net * tax_rate, currency)
        priced.append(PricedLine(
            line.variant_id, line.quantity, line.unit_price, amount, amount - net, tax_rate, tax,
            tuple(shares),
        ))  # fmt: skip
    subtotal = sum(line_totals, ZERO)
    discount = sum((p.discount for p in priced), ZERO)
    tax_total = sum((p.tax_amount for p in priced), ZERO)
    total = subtotal - discount + shipping_left
    if not prices_include_tax:
        total += tax_total
    return Totals(
        lines=priced,
        subtotal=subtotal,
        discount_total=discount,
        shipping_total=shipping_left,
        tax_total=tax_total,
        total=quantize(total, currency),
        prices_include_tax=prices_include_tax,
        applied=tuple(applied),
        shipping_allocations=tuple(shipping_allocations),
        voucher_blocked_by=blocked_by if voucher is not None else "",
    )


@dataclass(frozen=True)
class UnitPrice:
    """What a product card or page shows for one unit: the price after the item promotions
    that apply to a single unit alone, and the names of promotions that need more (badges)."""

    price: Decimal
    sale_price: Decimal | None = None
    badges: tuple[str, ...] = field(default=())


def unit_price(
    *,
    price: Decimal,
    product_id: int,
    category_id: int | None,
    promotions: Iterable[PromotionRule],
    now: datetime | None = None,
) -> UnitPrice:
    """One unit priced by ``compute_totals`` (no voucher, shipping or tax), plus badges for
    the live promotions that target the product but need a bigger basket."""
    now = now or timezone.now()
    rules = [r for r in promotions if r.is_live(now) and r.targets(product_id, category_id)]
    one = PricingLine(0, 1, price, product_id, category_id)
    totals = compute_totals(
        lines=[one],
        shipping=ZERO,
        tax_rate=Decimal("0"),
        prices_include_tax=True,
        promotions=[r for r in rules if r.kind == Promotion.Kind.ITEMS],
        now=now,
    )
    line = totals.lines[0]
    badges = tuple(a.label for a in totals.promotions) + tuple(
        r.name for r in rules if r.kind == Promotion.Kind.BUY_X_GET_Y
    )
    return UnitPrice(
        price=price, sale_price=line.net_total if line.discount else None, badges=badges
    )
