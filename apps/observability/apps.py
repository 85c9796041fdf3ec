from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "apps.observability"
    label = "observability"

    def ready(self):
        from django.db.backends.signals import connection_created

        from apps.observability import celery_signals, crossstore, errors, tracing  # noqa: F401

        connection_created.connect(crossstore.install, dispatch_uid="cross-store-guard")
        errors.configure()
        tracing.configure()
