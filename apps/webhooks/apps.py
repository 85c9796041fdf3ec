from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    verbose_name = "Outgoing webhooks"

    def ready(self):
        from apps.core import store_cache
        from apps.webhooks.models import WebhookSubscription
        from apps.webhooks.services import SUBSCRIPTIONS_CACHE_KEY

        store_cache.invalidate_on_change(WebhookSubscription, SUBSCRIPTIONS_CACHE_KEY)
