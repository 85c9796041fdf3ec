"""The tenants app's raw SQL: the only module of ``apps.tenants`` that runs ``cursor.execute``.

Schemas and PL/pgSQL functions are outside what the ORM manages (creating a schema, asking the
catalog whether a function is installed, django-tenants' ``clone_schema``), and the platform's
reports read store tables by name (the platform imports no store app).
"""

from datetime import datetime

from django.db import connection
from django_tenants.utils import schema_context

from apps.tenants import pods

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
        tables = schema_tables_on(cursor, schema)
        with_rows = []
        for table in tables:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{table}")')
            if cursor.fetchone()[0]:
                with_rows.append(table)
        return with_rows


def schema_sequences(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        return schema_sequences_on(cursor, schema)


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
    pod: str = pods.DEFAULT_POD,
    payment_statuses: tuple[str, ...],
    paid_from: datetime | None = None,
    paid_before: datetime | None = None,
) -> dict:
    """``{"orders", "gross", "net"}`` over a store's orders whose payment status is one of
    ``payment_statuses`` (and, with ``paid_from``/``paid_before``, paid in that range); the
    sums are ``None`` when no order counts. Read on the store's ``pod``.

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
    with pods.using_pod(pod), schema_context(schema_name), connection.cursor() as cursor:
        cursor.execute(sql, params)
        orders, gross, net = cursor.fetchone()
    return {"orders": orders, "gross": gross, "net": net}


# --- the due index (apps/tenants/due.py) ----------------------------------------------------
# Qualified with public: called from inside store schemas, whose search_path also holds public.
# On the default pod's connection: a store on another pod marks its work there too (outside the
# store's transaction then: the marks are hints the daily sweep rebuilds, see due.py).


def mark_work(*, schema_name: str, kind: str, at: datetime, earliest: bool) -> None:
    """Upsert a store's row of ``kind``: keep the earlier time (``earliest``) or the later."""
    keep = "LEAST" if earliest else "GREATEST"
    with pods.platform_connection().cursor() as cursor:
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


# --- moving a store between pods (apps/tenants/pod_moves.py) -------------------------------
# Run on the connection of the pod being checked (the caller activates it); every statement
# names the one schema being moved. The stock tables are read by name, as the reports above.

STOCK_LEDGER_SQL = """
SELECT 'ledger', variant_id, warehouse_id, sum(delta), NULL FROM {schema}.inventory_stockmovement
GROUP BY variant_id, warehouse_id
UNION ALL
SELECT 'level', variant_id, warehouse_id, on_hand, reserved FROM {schema}.inventory_stocklevel
ORDER BY 1, 2, 3
"""


def installed_extensions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


def create_extension(name: str) -> None:
    """The extensions store tables use live in the public schema of each pod."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}" SCHEMA public')


def schema_exists_here(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        return cursor.fetchone() is not None


def schema_row_counts(schema: str) -> dict[str, int]:
    """Rows per table of ``schema`` (exact counts: a move verifies every row arrived)."""
    quoted = connection.ops.quote_name(schema)
    with connection.cursor() as cursor:
        tables = schema_tables_on(cursor, schema)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM {quoted}."{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


def schema_sequence_positions(schema: str) -> dict[str, int]:
    quoted = connection.ops.quote_name(schema)
    positions = {}
    with connection.cursor() as cursor:
        for sequence in schema_sequences(schema):
            cursor.execute(f'SELECT last_value FROM {quoted}."{sequence}"')
            positions[sequence] = cursor.fetchone()[0]
    return positions


def stock_ledger_sums(schema: str) -> list[tuple]:
    """The ledger's sum of movements per stock row and each row's on_hand and reserved."""
    with connection.cursor() as cursor:
        cursor.execute(STOCK_LEDGER_SQL.format(schema=connection.ops.quote_name(schema)))
        return [tuple(row) for row in cursor.fetchall()]


def copy_schema_rows(*, schema: str, source, target) -> None:
    """Copy every table's rows of ``schema`` from connection ``source`` into the empty tables of
    the same schema on connection ``target``, and the sequences' positions.

    Call in a transaction of ``target``. COPY streams each table between the two servers (text
    format: portable across server versions); generated columns are left to the target to
    compute. Foreign keys are not checked during the load (``session_replication_role``,
    as ``pg_restore --disable-triggers``): the rows are a consistent copy of a paused store, and
    the tables load in any order.
    """
    quoted = target.ops.quote_name(schema)
    with source.cursor() as reader, target.cursor() as writer:
        writer.execute("SET LOCAL session_replication_role = replica")
        for table in schema_tables_on(reader, schema):
            name = f'{quoted}."{table}"'
            with (
                reader.copy(f"COPY {name} TO STDOUT") as rows_out,
                writer.copy(f"COPY {name} FROM STDIN") as rows_in,
            ):
                for chunk in rows_out:
                    rows_in.write(chunk)
        for sequence in schema_sequences_on(reader, schema):
            reader.execute(f'SELECT last_value, is_called FROM {quoted}."{sequence}"')
            last_value, is_called = reader.fetchone()
            writer.execute(
                "SELECT setval(%s, %s, %s)", [f'{quoted}."{sequence}"', last_value, is_called]
            )


def schema_tables_on(cursor, schema: str) -> list[str]:
    """The tables of ``schema`` (partitioned ones included), by name."""
    return _relations_on(cursor, schema, ["r", "p"])


def schema_sequences_on(cursor, schema: str) -> list[str]:
    return _relations_on(cursor, schema, ["S"])


def _relations_on(cursor, schema: str, kinds: list[str]) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind::text = ANY(%s) ORDER BY c.relname",
        [schema, kinds],
    )
    return [row[0] for row in cursor.fetchall()]
