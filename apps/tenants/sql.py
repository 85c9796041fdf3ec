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


def rename_schema(old: str, new: str) -> None:
    """``ALTER SCHEMA … RENAME``: instant whatever the schema holds (tables, sequences and
    functions follow by OID; column defaults name their sequences by OID too)."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{old}" RENAME TO "{new}"')


def drop_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def has_migrations_table(schema: str) -> bool:
    """Whether ``schema`` has its own ``django_migrations`` (one catalog lookup by name, not
    an introspection of every table)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
        return cursor.fetchone()[0] is not None


def applied_fingerprint(schema: str) -> str:
    """md5 of the migrations ``schema`` has applied (``app.name``, sorted): equal for two
    schemas at the same migration state."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(md5(string_agg(app || '.' || name, ',' ORDER BY app, name)), '') "
            f'FROM "{schema}".django_migrations'
        )
        return cursor.fetchone()[0]


def schema_tables_with_rows(schema: str) -> list[str]:
    """The tables of ``schema`` holding at least one row (what a clone must copy)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        with_rows = []
        for table in tables:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{table}")')
            if cursor.fetchone()[0]:
                with_rows.append(table)
        return with_rows


def schema_sequences(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'S' ORDER BY c.relname",
            [schema],
        )
        return [row[0] for row in cursor.fetchall()]


def replay_clone(
    *, ddl: str, source: str, target: str, tables: list[str], sequences: list[str]
) -> None:
    """Create schema ``target`` from ``ddl`` (the source schema's definition with every
    qualifier already pointing at ``target``), then copy ``source``'s rows of ``tables`` and
    its sequences' positions. One round trip; no query reads the catalog."""
    src, dst = connection.ops.quote_name(source), connection.ops.quote_name(target)
    statements = [f"CREATE SCHEMA {dst}", "SET LOCAL check_function_bodies = off", ddl]
    statements += [f'INSERT INTO {dst}."{t}" SELECT * FROM {src}."{t}"' for t in tables]
    statements += [
        f'SELECT setval(\'{dst}."{s}"\', last_value, is_called) FROM {src}."{s}"' for s in sequences
    ]
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(statements))


# --- platform reports: store tables read by name ------------------------------------------
# The platform sits below the store apps and imports none of them: its reports read a store's
# tables by name, in that store's schema, one store at a time (no query joins two schemas).
# The column names below are the orders app's; a migration renaming them must update these.
# Amounts are the orders' base-currency equivalents (issue 20: orders in other currencies).

ORDERS_TABLE = "orders_order"

_ORDER_TOTALS_SQL = """
SELECT count(*) FILTER (WHERE {received}) AS orders,
       sum(coalesce(base_total, total)) FILTER (WHERE {received}) AS gross,
       sum(coalesce(base_total, total) - coalesce(base_amount_refunded, amount_refunded))
           FILTER (WHERE {received}) AS net
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


# --- the due index (apps/tenants/due.py) ----------------------------------------------------
# Qualified with public: called from inside store schemas, whose search_path also holds public.


def mark_work(*, schema_name: str, kind: str, at: datetime, earliest: bool) -> None:
    """Upsert a store's row of ``kind``: keep the earlier time (``earliest``) or the later."""
    keep = "LEAST" if earliest else "GREATEST"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.tenants_storework (schema_name, kind, at) VALUES (%s, %s, %s) "
            "ON CONFLICT (kind, schema_name) DO UPDATE "
            f"SET at = {keep}(public.tenants_storework.at, EXCLUDED.at)",
            [schema_name, kind, at],
        )


def claim_due_work(*, kind: str, now: datetime) -> list[str]:
    """Delete and return the active stores whose ``kind`` work is due (suspended stores keep
    their rows until they resume)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM public.tenants_storework w USING public.tenants_store s "
            "WHERE w.kind = %s AND w.at <= %s AND s.schema_name = w.schema_name "
            "AND s.status = 'active' RETURNING w.schema_name",
            [kind, now],
        )
        return sorted(row[0] for row in cursor.fetchall())
