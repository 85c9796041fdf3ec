from django.db import models


class StoreAdminAccess(models.Model):
    """No table: it only carries the store admin's own permissions (see ``roles``)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("manage_settings", "Can change the store's settings"),
            ("manage_staff", "Can invite staff and change their roles"),
            ("view_reports", "Can view reports and export them"),
        ]

    def __str__(self) -> str:
        return "Store admin access"
