"""Recommendation writes: signals, recompute, merchant configuration, engagement emails."""

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone
from redis.exceptions import RedisError

from apps.cart.models import Cart, CartLine
from apps.catalog.models import Product, Variant
from apps.core import outbox, store_cache
from apps.inventory import selectors as inventory_selectors
from apps.orders.models import Order
from apps.preferences import selectors as preference_selectors
from apps.recommendations import selectors, similarity, sql, tokens, tracking
from apps.recommendations.exceptions import InvalidLink, VariantNotSubscribable
from apps.recommendations.models import (
    AbandonedCartReminder,
    BackInStockSubscription,
    EmailUnsubscribe,
    ProductViewDaily,
    Widget,
)
from apps.tenants import due

logger = logging.getLogger(__name__)

FLUSH_BATCH = 10_000
FLUSH_MAX_BATCHES = 100
VIEW_RETENTION = timedelta(days=180)
ABANDONED_CART_MAX_AGE = timedelta(days=7)  # older carts are left alone (no mail on deploy)
ABANDONED_CART_BATCH = 500
BACK_IN_STOCK_BATCH = 5_000
# The widgets signals may name, as a set: ``Widget.values`` builds a list on every access.
WIDGETS = frozenset(Widget.values)


# --- signals -------------------------------------------------------------------------------


def record_product_view(
    *,
    product_id: int,
    visitor_key: str = "",
    user_id: int | None = None,
    impressions: Iterable[str] = (),
) -> None:
    """Count one product view (and the widgets shown with it).

    In a web request it only joins the process's buffer, written to Redis in batches within
    about a second (``tracking``); elsewhere it is written at once. Signed-in customers are
    keyed by account, anonymous visitors by their cookie id; a view with neither still counts
    the impressions. Best effort: a Redis outage loses signals, and a killed web process the
    last second of its own; neither ever breaks the page.
    """
    key = f"u:{user_id}" if user_id is not None else visitor_key
    widgets = [w for w in impressions if w in WIDGETS]
    due.mark_active()  # signals wait in Redis for the store's next flush
    try:
        if key:
            tracking.push_view(visitor_key=key, product_id=product_id, impressions=widgets)
        else:
            tracking.count_impressions(widgets)
    except RedisError:
        logger.warning("product view of %s not recorded: Redis unavailable", product_id)


def record_impressions(*, widgets: Iterable[str]) -> None:
    """Count widgets shown on a page without a product view (home page).

    A page that showed none records nothing and marks no activity: a home page without a strip
    (a new store's, its pre-render's) costs no write, and its first page-cache hit in a web
    process no statement."""
    shown = [w for w in widgets if w in WIDGETS]
    if not shown:
        return
    due.mark_active()  # the counts wait in Redis for the store's next flush
    try:
        tracking.count_impressions(shown)
    except RedisError:
        logger.warning("widget impressions not recorded: Redis unavailable")


def record_click(*, widget: str) -> None:
    if widget not in WIDGETS:
        return
    due.mark_active()
    try:
        tracking.count_click(widget)
    except RedisError:
        logger.warning("click on %s not recorded: Redis unavailable", widget)


def flush_signals() -> dict[str, int]:
    """Move buffered views and widget counters from Redis into PostgreSQL.

    The readers of ``tracking`` write this process's own buffer out first, so signals recorded
    in this process count too; web processes' reach Redis within about a second.
    Views are read from the head of the buffer, upserted per (day, visitor, product) and only
    then trimmed from Redis: a crash in between at worst counts one batch twice. Widget totals
    are written as they stand (never lowered), so a second run changes nothing.
    """
    flushed = 0
    for _ in range(FLUSH_MAX_BATCHES):
        events, read = tracking.read_views(FLUSH_BATCH)
        if not read:
            break
        counts = Counter(events)
        if counts:
            keys = list(counts)
            with transaction.atomic():
                sql.add_view_counts(
                    days=[day for day, _, _ in keys],
                    visitor_keys=[visitor for _, visitor, _ in keys],
                    product_ids=[product for _, _, product in keys],
                    views=[counts[key] for key in keys],
                )
        tracking.drop_views(read)
        flushed += len(events)
    today = timezone.now().date()
    stats = 0
    for day in (today - timedelta(days=2), today - timedelta(days=1), today):
        totals = tracking.read_stats(day)
        widgets = {widget for widget, _ in totals if widget in Widget.values}
        for widget in sorted(widgets):
            impressions, clicks = totals.get((widget, "i"), 0), totals.get((widget, "c"), 0)
            sql.record_widget_stats(day=day, widget=widget, impressions=impressions, clicks=clicks)
            stats += 1
    pruned, _ = ProductViewDaily.objects.filter(day__lt=today - VIEW_RETENTION).delete()
    return {"views": flushed, "stats": stats, "pruned": pruned}


# --- recompute -----------------------------------------------------------------------------


def recompute_recommendations(*, force: bool = False) -> similarity.RecomputeResult:
    """Recompute neighbours and rankings, then point the page caches at the new generation."""
    result = similarity.recompute(force=force)
    if not result.skipped and result.run_id is not None:
        # After the recompute's transaction: readers switch to the new rows all at once.
        store_cache.set_version(selectors.GENERATION_KEY, result.run_id)
        store_cache.pages_dropped()  # the home page records the generation it shows
    return result


def forget_cached_configuration() -> None:
    """Drop the cached switches, pins and exclusions after the merchant changes them (and the
    storefront's cached pages, which show the widgets)."""
    store_cache.invalidate(selectors.CONFIG_KEY)


# --- back in stock -------------------------------------------------------------------------


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    return email


def subscribe_back_in_stock(
    *, variant_id: int, email: str, user_id: int | None = None
) -> BackInStockSubscription:
    """Ask for one email when an out-of-stock variant can be bought again (idempotent)."""
    email = _clean_email(email)
    variant = (
        Variant.objects.select_related("product")
        .filter(pk=variant_id, active=True, product__status=Product.Status.ACTIVE)
        .first()
    )
    if variant is None:
        raise VariantNotSubscribable(
            "This item is no longer sold.", extra={"variant_id": variant_id}
        )
    if inventory_selectors.get_available_by_variant([variant.id]).get(variant.id, 0) > 0:
        raise VariantNotSubscribable(
            f"{variant} is in stock now.", extra={"variant_id": variant_id}
        )
    try:
        with transaction.atomic():
            subscription, _ = BackInStockSubscription.objects.get_or_create(
                variant=variant, email=email, notified_at=None, defaults={"user_id": user_id}
            )
    except IntegrityError:  # a concurrent identical request won
        subscription = BackInStockSubscription.objects.get(
            variant=variant, email=email, notified_at=None
        )
    return subscription


@transaction.atomic
def notify_back_in_stock(variant_ids: Iterable[int]) -> int:
    """Queue one email per pending subscription of these variants that are available now.

    Safe for anyone to call, any number of times (inventory after a restock, the periodic
    check): availability is checked here, and each subscription is claimed once
    (``notified_at``) under a row lock that concurrent callers skip.
    """
    ids = {int(v) for v in variant_ids}
    if not ids:
        return 0
    available = inventory_selectors.get_available_by_variant(ids)
    in_stock = [vid for vid in ids if available.get(vid, 0) > 0]
    if not in_stock:
        return 0
    claimed = list(
        BackInStockSubscription.objects.select_for_update(skip_locked=True)
        .filter(variant_id__in=in_stock, notified_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not claimed:
        return 0
    BackInStockSubscription.objects.filter(pk__in=claimed).update(notified_at=timezone.now())

    # Outbox messages, written with the notified_at marks: never lost to a broker outage.
    for subscription_id in claimed:
        outbox.enqueue("apps.recommendations.tasks.send_back_in_stock_email_task", subscription_id)
    return len(claimed)


def check_back_in_stock() -> int:
    """Periodic: notify subscribers of every waited-for variant that is available again."""
    variant_ids = (
        BackInStockSubscription.objects.filter(notified_at__isnull=True)
        .order_by("variant_id")
        .values_list("variant_id", flat=True)
        .distinct()[:BACK_IN_STOCK_BATCH]
    )
    return notify_back_in_stock(list(variant_ids))


# --- abandoned carts -----------------------------------------------------------------------


def queue_abandoned_cart_reminders(*, now: datetime | None = None) -> int:
    """Create the one reminder of each cart left with an email and no order, and queue it.

    A cart qualifies when it is open, has lines, has an email (its own, else its customer's),
    was last changed between the store's delay and a week ago, the address has not
    unsubscribed, and no order was placed with that address since. The OneToOne on the
    reminder makes "once" hold even when two runs overlap.
    """
    config, _ = selectors.get_config()
    if not config.abandoned_cart:
        return 0
    now = now or timezone.now()
    hours = preference_selectors.get_store_settings().abandoned_cart_hours
    contact = Lower(Coalesce(NullIf("email", Value("")), "user__email"))
    ordered_since = Order.objects.filter(
        email__iexact=OuterRef("contact"), created_at__gte=OuterRef("updated_at")
    )
    carts = list(
        Cart.objects.filter(
            status=Cart.Status.OPEN,
            updated_at__lte=now - timedelta(hours=hours),
            updated_at__gte=now - ABANDONED_CART_MAX_AGE,
            abandoned_reminder__isnull=True,
        )
        .annotate(contact=contact)
        .filter(Q(contact__isnull=False) & ~Q(contact=""))
        .filter(Exists(CartLine.objects.filter(cart=OuterRef("pk"))))
        .exclude(Exists(EmailUnsubscribe.objects.filter(email=OuterRef("contact"))))
        .exclude(Exists(ordered_since))
        .order_by("updated_at", "id")
        .values_list("id", "contact")[:ABANDONED_CART_BATCH]
    )
    created = []
    for cart_id, email in carts:
        try:
            with transaction.atomic():
                created.append(AbandonedCartReminder.objects.create(cart_id=cart_id, email=email))
        except IntegrityError:  # an overlapping run made this cart's reminder first
            continue

    ids = [reminder.id for reminder in created]

    # Each reminder was committed on its own above; its message is written (and queued) now.
    for reminder_id in ids:
        outbox.enqueue("apps.recommendations.tasks.send_abandoned_cart_email_task", reminder_id)
    return len(ids)


def restore_cart(*, token: str) -> Cart:
    """The open cart a reminder's link points at; notes that the link was used."""
    cart_token = tokens.read_cart_restore_token(token)
    cart = Cart.objects.filter(token=cart_token, status=Cart.Status.OPEN).first()
    if cart is None:
        raise InvalidLink("This cart has been checked out or is no longer available.")
    AbandonedCartReminder.objects.filter(cart=cart, restored_at__isnull=True).update(
        restored_at=timezone.now()
    )
    return cart


# --- unsubscribe ---------------------------------------------------------------------------


def unsubscribe_email(*, email: str) -> EmailUnsubscribe:
    """Stop all engagement email (reminders, back-in-stock) to this address. Idempotent."""
    email = _clean_email(email)
    try:
        with transaction.atomic():
            record, _ = EmailUnsubscribe.objects.get_or_create(email=email)
    except IntegrityError:
        record = EmailUnsubscribe.objects.get(email=email)
    return record


def is_unsubscribed(email: str) -> bool:
    return EmailUnsubscribe.objects.filter(email=email.strip().lower()).exists()
