"""Opening a store: its schema (cloned from the template), its host name and its owner."""

import logging
import re
from decimal import Decimal
from zoneinfo import available_timezones

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from apps.accounts import roles
from apps.core import store_cache, tenancy
from apps.tenants import due, pods, routing, selectors, store_defaults
from apps.tenants.models import Domain, Store
from apps.tenants.validation import validate_store_slug

logger = logging.getLogger(__name__)


def validate_new_store(*, name: str, slug: str, owner_email: str, owner_password: str) -> None:
    """Raise ValidationError with one message per bad field; check everything before writing."""
    errors: dict[str, list[ValidationError]] = {}
    if not name.strip():
        errors["name"] = [ValidationError("A store needs a name.", code="required")]
    try:
        validate_store_slug(slug)
        if selectors.store_slug_taken(slug):
            raise ValidationError(f"“{slug}” is already taken.", code="slug_taken")
    except ValidationError as exc:
        errors["slug"] = exc.error_list
    try:
        validate_email(owner_email)
    except ValidationError as exc:
        errors["owner_email"] = exc.error_list
    try:
        probe = get_user_model()(email=owner_email)
        password_validation.validate_password(owner_password, user=probe)
    except ValidationError as exc:
        errors["owner_password"] = exc.error_list
    if errors:
        raise ValidationError(errors)


def create_store(
    *,
    name: str,
    slug: str,
    owner_email: str,
    owner_password: str,
    currency: str = "USD",
    country: str = "US",
    with_defaults: bool = True,
) -> Store:
    """Create a store on the least-loaded pod: schema cloned from the template, primary domain,
    owner account, and what it needs to sell (``store_defaults``: a stock location, a shipping
    zone and tax rate for its country, test-mode payments).

    One transaction (PostgreSQL DDL is transactional): a failure at any step leaves nothing.
    ``with_defaults=False``: an empty store (the test suite's stores, whose tests build exactly
    the shipping and tax rules they price with).
    """
    slug = slug.strip().lower()
    owner_email = owner_email.strip().lower()
    validate_new_store(name=name, slug=slug, owner_email=owner_email, owner_password=owner_password)
    try:
        # Opening a store is not activity: a new, quiet store costs beat nothing.
        with due.quiet(), transaction.atomic():
            store = Store(
                schema_name=slug,
                name=name.strip(),
                currency=currency,
                country=country,
                pod=pods.least_loaded_pod(),
            )
            # The schema is made on the store's pod, in a transaction of that server (the same
            # one, as a savepoint, when the pod is the default).
            with pods.using_pod(store.pod), transaction.atomic():
                store.save(verbosity=0)
                Domain.objects.create(domain=store.primary_host, tenant=store, is_primary=True)
                with schema_context(store.schema_name):
                    get_user_model().objects.create_superuser(
                        email=owner_email, password=owner_password
                    )
                    # The template's roles already exist; refresh them for models added since.
                    roles.ensure_roles()
                    # A store once deleted may have left cached entries under this schema name.
                    store_cache.clear_all()
                    # Its home page is rendered in the background once it is committed, so
                    # its first visitor (often the merchant) gets a cached page.
                    tenancy.on_commit(store_cache.pages_dropped, robust=True)
                if with_defaults:
                    store_defaults.apply_store_defaults(store)
    except IntegrityError as exc:
        # Another signup took the slug between our check and our insert.
        raise ValidationError(
            {"slug": ValidationError(f"“{slug}” is already taken.", code="slug_taken")}
        ) from exc
    logger.info("store %s created with owner %s", slug, owner_email)
    return store


PROFILE_FIELDS = ("name", "currency", "country", "timezone", "prices_include_tax")


@transaction.atomic
def update_store_profile(
    *,
    store_id: int,
    name: str,
    currency: str,
    country: str,
    timezone: str,
    prices_include_tax: bool,
) -> Store:
    """Change a store's identity and money settings (its public ``Store`` row)."""
    name, currency, country = name.strip(), currency.strip().upper(), country.strip().upper()
    errors = {}
    if not name:
        errors["name"] = "A store needs a name."
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = "Use a three-letter ISO 4217 code, such as USD or EUR."
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = "Use a two-letter ISO 3166 country code."
    if timezone not in available_timezones():
        errors["timezone"] = f"“{timezone}” is not a known time zone."
    if errors:
        raise ValidationError(errors)
    store = Store.objects.select_for_update().get(pk=store_id)
    store.name, store.currency, store.country = name, currency, country
    store.timezone, store.prices_include_tax = timezone, prices_include_tax
    # A queryset update: TenantMixin.save() refuses to run outside the public schema or the
    # store's own, and these services are called from both admins.
    Store.objects.filter(pk=store_id).update(**{f: getattr(store, f) for f in PROFILE_FIELDS})
    routing.forget_store_hosts(store.id)
    logger.info("store %s profile updated", store.schema_name)
    return store


@transaction.atomic
def set_store_status(*, store_id: int, status: str) -> Store:
    """Suspend or resume a store. A suspended storefront shows a "closed" page (HTTP 503); its
    admin stays open to the owner."""
    if status not in Store.Status.values:
        raise ValidationError({"status": f"Unknown store status “{status}”."})
    store = Store.objects.select_for_update().get(pk=store_id)
    if store.status != status:
        store.status = status
        Store.objects.filter(pk=store_id).update(status=status)
        routing.forget_store_hosts(store_id)
        logger.info("store %s is now %s", store.schema_name, status)
    return store


def suspend_store(*, store_id: int) -> Store:
    return set_store_status(store_id=store_id, status=Store.Status.SUSPENDED)


def resume_store(*, store_id: int) -> Store:
    return set_store_status(store_id=store_id, status=Store.Status.ACTIVE)


@transaction.atomic
def set_commission_rate(*, store_id: int, rate: Decimal) -> Store:
    rate = Decimal(rate)
    if not Decimal("0") <= rate <= Decimal("100"):
        raise ValidationError({"commission_rate": "Commission is a percentage from 0 to 100."})
    store = Store.objects.select_for_update().get(pk=store_id)
    store.commission_rate = rate.quantize(Decimal("0.01"))
    Store.objects.filter(pk=store_id).update(commission_rate=store.commission_rate)
    return store
