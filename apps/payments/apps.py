from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self):
        from apps.core import store_cache
        from apps.payments.models import GatewaySettings
        from apps.payments.selectors import GATEWAY_SETTINGS_CACHE_KEY

        store_cache.invalidate_on_change(GatewaySettings, GATEWAY_SETTINGS_CACHE_KEY)
