from django.apps import AppConfig


class ContentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.content"
    verbose_name = "Storefront look and pages"

    def ready(self) -> None:
        from apps.content import selectors
        from apps.content.models import FooterLink, Page, StoreTheme
        from apps.core import store_cache

        # The theme, its links and the page list are read on every storefront page: one entry
        # in the store's configuration cache, dropped on any save or delete of their rows.
        for model in (StoreTheme, FooterLink, Page):
            store_cache.invalidate_on_change(model, selectors.THEME_CACHE_KEY)
