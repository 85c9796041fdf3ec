"""The store admin's settings live on one page (``dashboard:settings``), which keeps payment
secrets write-only; the generic StoreSettings change form would render them back."""

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered

from apps.dashboard import (
    order_admin,  # noqa: F401  (registers the order and return admins)
    product_admin,  # noqa: F401  (the product page with stock)
)
from apps.preferences.models import StoreSettings

try:
    admin.site.unregister(StoreSettings)
except NotRegistered:
    pass
