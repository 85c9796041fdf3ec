"""django.contrib.admin whose default site (the store admin) asks for two-factor codes."""

from django.contrib.admin.apps import AdminConfig


class AccountsAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_sites.StoreAdminSite"
