from apps.core import store_cache
from apps.preferences.models import StoreSettings

SETTINGS_CACHE_KEY = "preferences:store-settings"
store_cache.warm_with_generation(SETTINGS_CACHE_KEY)  # read by nearly every page


def get_store_settings() -> StoreSettings:
    """The current store's settings row, created with defaults on first use (cached)."""
    return store_cache.get_or_load(SETTINGS_CACHE_KEY, _load_store_settings)


def _load_store_settings() -> StoreSettings:
    settings, _ = StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_PK)
    return settings
