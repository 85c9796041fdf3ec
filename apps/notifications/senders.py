"""Who a store's mail comes from: "Store name <sender>" from the store settings, else the
platform's ``DEFAULT_FROM_EMAIL``."""

from email.utils import formataddr

from django.conf import settings

from apps.preferences.selectors import get_store_settings
from apps.tenants.models import Store


def sender_for(store: Store) -> str:
    address = get_store_settings().email_sender
    return formataddr((store.name, address)) if address else settings.DEFAULT_FROM_EMAIL
