from django.apps import AppConfig


class MarketsConfig(AppConfig):
    name = "apps.markets"
    label = "markets"
    verbose_name = "Markets"

    def ready(self):
        from apps.core import store_cache
        from apps.markets import selectors
        from apps.markets.models import Market, MarketPrice, MarketShippingRate, MarketVoucher

        for model in (Market, MarketPrice, MarketShippingRate, MarketVoucher):
            store_cache.invalidate_on_change(model, selectors.MARKETS_CACHE_KEY)
        # Not on Variant saves (bulk catalog edits would drop it per row): a product's lowest
        # price in a market follows a store price change within the cache's 5-minute timeout.
