from django.apps import AppConfig


class ContentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.content"
    verbose_name = "Storefront look and pages"

    def ready(self) -> None:
        from apps.content import selectors
        from apps.content.models import FooterLink, Page, StoreTheme
        from apps.core import store_cache

        # The theme and the page list are read on every storefront page: kept in the store's
        # configuration cache, dropped on any save or delete of their rows.
        store_cache.invalidate_on_change(StoreTheme, selectors.THEME_CACHE_KEY)
        store_cache.invalidate_on_change(FooterLink, selectors.THEME_CACHE_KEY)
        store_cache.invalidate_on_change(Page, selectors.PAGES_CACHE_KEY)
