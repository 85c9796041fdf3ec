"""The tenants app's raw SQL: the only module of ``apps.tenants`` that runs ``cursor.execute``.

Schemas and PL/pgSQL functions are outside what the ORM manages (creating a schema, asking the
catalog whether a function is installed, django-tenants' ``clone_schema``), and the platform's
reports read store tables by name (the platform imports no store app).
"""

from datetime import datetime

from django.db import connection
from django_tenants.utils import schema_context

# --- schemas -------------------------------------------------------------------------------


def create_schema(name: str) -> None:
    """``CREATE SCHEMA`` (identifiers cannot be parameters: ``name`` is a validated schema
    name, quoted)."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{name}"')


def clone_function_installed() -> bool:
    """Whether ``public.clone_schema`` exists (a read of the system catalog pg_proc)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
        )
        return cursor.fetchone() is not None


def clone_schema(source: str, target: str) -> None:
    """Copy schema ``source`` with its rows into ``target`` (django-tenants' PL/pgSQL
    ``public.clone_schema``), in the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.clone_schema(%s, %s, 'DATA')", [source, target])


# --- platform reports: store tables read by name ------------------------------------------
# The platform sits below the store apps and imports none of them: its reports read a store's
# tables by name, in that store's schema, one store at a time (no query joins two schemas).
# The column names below are the orders app's; a migration renaming them must update these.

ORDERS_TABLE = "orders_order"

_ORDER_TOTALS_SQL = """
SELECT count(*) FILTER (WHERE {received}) AS orders,
       sum(total) FILTER (WHERE {received}) AS gross,
       sum(total - amount_refunded) FILTER (WHERE {received}) AS net
FROM {table}
"""


def read_store_order_totals(
    *,
    schema_name: str,
    payment_statuses: tuple[str, ...],
    paid_from: datetime | None = None,
    paid_before: datetime | None = None,
) -> dict:
    """``{"orders", "gross", "net"}`` over a store's orders whose payment status is one of
    ``payment_statuses`` (and, with ``paid_from``/``paid_before``, paid in that range); the
    sums are ``None`` when no order counts.

    Raw SQL because the platform may not import ``apps.orders`` (the layers read top-down), so
    it has no model to build the query from.
    """
    received = "payment_status = ANY(%(statuses)s)"
    params: dict = {"statuses": list(payment_statuses)}
    if paid_from is not None:
        received += " AND paid_at >= %(paid_from)s AND paid_at < %(paid_before)s"
        params.update(paid_from=paid_from, paid_before=paid_before)
    table = f"{connection.ops.quote_name(schema_name)}.{ORDERS_TABLE}"
    sql = _ORDER_TOTALS_SQL.format(received=received, table=table)
    with schema_context(schema_name), connection.cursor() as cursor:
        cursor.execute(sql, params)
        orders, gross, net = cursor.fetchone()
    return {"orders": orders, "gross": gross, "net": net}
