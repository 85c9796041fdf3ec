from django.db.models import QuerySet

from apps.tenants.models import Store


def list_active_stores() -> QuerySet[Store]:
    return Store.objects.filter(status=Store.Status.ACTIVE).prefetch_related("domains")


def get_store_by_slug(slug: str) -> Store:
    return Store.objects.get(schema_name=slug)


def store_slug_taken(slug: str) -> bool:
    return Store.objects.filter(schema_name__iexact=slug).exists()


def owner_email_confirmed(store_id: int) -> bool:
    """Whether the store's owner confirmed their email (read fresh, not from the routing cache)."""
    return Store.objects.filter(pk=store_id, owner_email_confirmed_at__isnull=False).exists()


def get_current_store() -> Store:
    """The store whose schema the connection is in (requests, tasks and schema_context alike)."""
    from django.db import connection

    if isinstance(connection.tenant, Store):
        return connection.tenant
    return Store.objects.get(schema_name=connection.schema_name)
