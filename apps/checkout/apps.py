from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "apps.checkout"
    label = "checkout"

    def ready(self):
        from apps.checkout import pricing, shipping
        from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate
        from apps.core import store_cache

        store_cache.invalidate_on_change(ShippingMethod, shipping.METHODS_CACHE_KEY)
        store_cache.invalidate_on_change(ShippingZone, shipping.METHODS_CACHE_KEY)
        store_cache.invalidate_on_change(TaxRate, pricing.TAX_RATES_CACHE_KEY)
