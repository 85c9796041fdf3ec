from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"
    verbose_name = "Stores"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.core import due_hooks
        from apps.tenants import due

        due_hooks.install(due.mark_due)
        # Any model write in a store marks it active (apps/tenants/due.py).
        post_save.connect(due.on_model_write, dispatch_uid="tenants-due-activity-save")
        post_delete.connect(due.on_model_write, dispatch_uid="tenants-due-activity-delete")
