from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self):
        from apps.core import store_cache
        from apps.payments import services
        from apps.payments.models import GatewaySettings
        from apps.payments.selectors import GATEWAY_SETTINGS_CACHE_KEY
        from apps.tenants import store_defaults

        store_cache.invalidate_on_change(GatewaySettings, GATEWAY_SETTINGS_CACHE_KEY)
        # A new store takes test payments until its owner sets up a live gateway.
        store_defaults.register(
            "payments.test_mode", lambda store: services.create_default_payment_settings()
        )
