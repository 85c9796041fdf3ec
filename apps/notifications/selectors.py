from django.db import connection

from apps.orders.models import Order, OrderEvent
from apps.tenants.models import Store


def get_order_for_email(*, order_id: int) -> Order:
    """The order with its lines. Raises Order.DoesNotExist."""
    return Order.objects.prefetch_related("lines").get(pk=order_id)


def get_current_store() -> Store:
    """The store whose schema the connection is in (a task may run under a bare schema name)."""
    tenant = connection.tenant
    if isinstance(tenant, Store):
        return tenant
    return Store.objects.get(schema_name=connection.schema_name)


def list_sent_order_emails(*, order_id: int):
    return OrderEvent.objects.filter(order_id=order_id, type=OrderEvent.Type.EMAIL_SENT)
