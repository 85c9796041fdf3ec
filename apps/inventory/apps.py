from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"

    def ready(self):
        from apps.catalog import csv_columns
        from apps.inventory import monitoring, product_csv, services
        from apps.observability import exposition
        from apps.tenants import store_defaults

        # A new store has one stock location, so stock can be entered at once.
        store_defaults.register(
            "inventory.warehouse",
            lambda store: services.create_default_warehouse(country=store.country),
        )
        # The product CSV carries stock per location (import and export).
        csv_columns.register(product_csv.COLUMN_SET)
        # Stock holds live / expired, counted at each scrape of /metrics.
        exposition.register_scrape_collector(monitoring.stock_hold_metrics)
