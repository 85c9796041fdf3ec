"""A store's settings for its gateways, as each gateway declares them (``settings_fields``)."""

import logging
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.payments.gateways.base import GatewayConfig
from apps.payments.gateways.registry import get_gateway
from apps.payments.models import GatewaySettings
from apps.preferences.models import StoreSettings

logger = logging.getLogger(__name__)


@transaction.atomic
def create_default_payment_settings() -> None:
    """A new store takes payments in test mode: the built-in test gateway, which needs no
    settings, recorded as the store's choice unless one was made (idempotent).

    Where the platform takes no test payments (``ALLOW_TEST_PAYMENTS`` off) such a store shows
    the test-mode banner and refuses payments until its owner sets up a live gateway.
    """
    StoreSettings.objects.get_or_create(
        pk=StoreSettings.SINGLETON_PK,
        defaults={"payment_gateway": StoreSettings.DEFAULT_PAYMENT_GATEWAY},
    )


@transaction.atomic
def update_gateway_settings(
    *, gateway_name: str, values: Mapping[str, str], secrets: Mapping[str, str]
) -> GatewaySettings:
    """Save this store's settings for one gateway.

    ``values``: declared non-secret fields to set. ``secrets``: only the secrets to change — a
    new value, or "" to remove one; a secret that is absent keeps its stored value (the
    settings page never sees it). Raises ValidationError (keyed by field) for an undeclared or
    malformed value, or settings that do not go together (``gateway.check_config``: Stripe
    keys of different modes, live keys where the platform takes no real payments).
    """
    gateway = get_gateway(gateway_name)
    declared = {f.key: f for f in gateway.settings_fields}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for key, value in [*values.items(), *secrets.items()]:
        setting = declared.get(key)
        if setting is None or setting.secret != (key in secrets):
            errors.setdefault(key, []).append(f"Not a {gateway.label} setting of this kind.")
            continue
        try:
            cleaned[key] = setting.clean(value)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    row, _ = GatewaySettings.objects.select_for_update().get_or_create(gateway=gateway.name)
    stored_values, stored_secrets = dict(row.values), dict(row.secrets)
    for key, value in cleaned.items():
        target = stored_secrets if key in secrets else stored_values
        if value:
            target[key] = value
        else:
            target.pop(key, None)
    # The settings taken together (e.g. Stripe keys of one mode), as they will be stored.
    errors = gateway.check_config(GatewayConfig(values=stored_values, secrets=stored_secrets))
    if errors:
        raise ValidationError(errors)
    row.values, row.secrets = stored_values, stored_secrets
    row.save()
    # Names only: secret values never reach a log.
    logger.info("%s gateway settings updated (%s)", gateway.name, ", ".join(sorted(cleaned)))
    return row
