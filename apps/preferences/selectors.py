from apps.preferences.models import StoreSettings


def get_store_settings() -> StoreSettings:
    """The current store's settings row, created with defaults on first use."""
    settings, _ = StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_PK)
    return settings
