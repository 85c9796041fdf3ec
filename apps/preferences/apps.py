from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "apps.preferences"
    label = "preferences"
    verbose_name = "Store settings"

    def ready(self):
        from apps.core import store_cache
        from apps.preferences.models import StoreSettings
        from apps.preferences.selectors import SETTINGS_CACHE_KEY

        store_cache.invalidate_on_change(StoreSettings, SETTINGS_CACHE_KEY)
