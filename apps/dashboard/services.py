"""Store admin writes: the store settings page. Staff accounts are ``apps.accounts.services``."""

import logging
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.payments import selectors as payment_selectors
from apps.payments import services as payment_services
from apps.payments.gateways import registry as gateway_registry
from apps.payments.gateways.base import GatewayConfig
from apps.preferences import selectors as preference_selectors
from apps.preferences.models import StoreSettings
from apps.tenants import services as tenant_services
from apps.tenants.models import Store

logger = logging.getLogger(__name__)

PREFERENCE_FIELDS = {
    "reservation_minutes", "low_stock_threshold", "moderate_reviews", "email_sender",
    "abandoned_cart_hours", "payment_gateway", "require_staff_two_factor", "storefront_password",
}  # fmt: skip


@transaction.atomic
def update_store_settings(
    *,
    store_id: int,
    profile: dict,
    preferences: dict,
    gateways: Mapping[str, tuple[dict, dict]] | None = None,
) -> Store:
    """Save the settings page: the public Store row, this schema's StoreSettings row and the
    store's settings of each payment gateway.

    One transaction across all (same database; the store's search path reaches the public
    table). ``gateways``: per gateway name, (values, secrets to change) — secrets the merchant
    left blank are simply absent, so their stored values stay.
    """
    unknown = set(preferences) - PREFERENCE_FIELDS
    if unknown:
        raise ValueError(f"not store preferences: {sorted(unknown)}")
    # The enabled gateways: an ordered, comma-separated list of registry names.
    enabled = preferences.get("payment_gateway", StoreSettings.DEFAULT_PAYMENT_GATEWAY).split(",")
    if not all(name in gateway_registry.GATEWAYS for name in enabled):
        raise ValidationError({"payment_gateway": "Choose a payment gateway from the list."})
    store = tenant_services.update_store_profile(store_id=store_id, **profile)
    saved: dict[str, GatewayConfig] = {}
    for gateway_name, (values, secrets) in (gateways or {}).items():
        row = payment_services.update_gateway_settings(
            gateway_name=gateway_name, values=values, secrets=secrets
        )
        saved[gateway_name] = GatewayConfig(values=row.values, secrets=row.secrets)
    for chosen in enabled if "payment_gateway" in preferences else ():
        # The settings as saved above (the cached ones are refreshed only after commit).
        config = saved.get(chosen) or payment_selectors.get_gateway_config(chosen)
        problem = gateway_registry.mode_not_allowed(chosen, config)
        if problem:
            raise ValidationError({"payment_gateway": problem})
    current = preference_selectors.get_store_settings()
    settings_row = StoreSettings.objects.select_for_update().get(pk=current.pk)
    for name, value in preferences.items():
        setattr(settings_row, name, value)
    settings_row.full_clean()
    settings_row.save()
    logger.info("store %s settings updated (%s)", store.schema_name, ", ".join(sorted(preferences)))
    return store


@transaction.atomic
def launch_store() -> StoreSettings:
    """Open the storefront to everyone (the checklist's last step); launching twice is a no-op."""
    current = preference_selectors.get_store_settings()
    settings_row = StoreSettings.objects.select_for_update().get(pk=current.pk)
    if settings_row.launched_at is None:
        settings_row.launched_at = timezone.now()
        settings_row.save(update_fields=["launched_at", "updated_at"])
        logger.info("store launched")
    return settings_row
