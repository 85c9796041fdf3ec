from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self):
        from apps.core import tasks
        from apps.observability import exposition

        exposition.register_scrape_collector(tasks.heartbeat_age_metric)
