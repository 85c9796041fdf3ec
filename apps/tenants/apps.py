from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"
    verbose_name = "Stores"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.core import due_hooks
        from apps.tenants import due, routing
        from apps.tenants.models import Domain, Store

        due_hooks.install(due.mark_due)
        # Any model write in a store marks it active (apps/tenants/due.py).
        post_save.connect(due.on_model_write, dispatch_uid="tenants-due-activity-save")
        post_delete.connect(due.on_model_write, dispatch_uid="tenants-due-activity-delete")
        # A store or domain written or deleted in this process: its routing entries go at once
        # (other processes' copies: within routing.LOCAL_SECONDS).
        for model in (Store, Domain):
            for signal in (post_save, post_delete):
                signal.connect(
                    routing.forget_written_hosts,
                    sender=model,
                    dispatch_uid=f"tenants-routing-local-{model.__name__}-{signal is post_save}",
                )
