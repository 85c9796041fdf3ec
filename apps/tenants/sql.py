"""The tenants app's raw SQL: the only module of the platform's tenants app that runs
``cursor.execute`` (the demo seeder, leaving this app, keeps its own).

Schemas and PL/pgSQL functions are outside what the ORM manages: creating a schema, asking
the catalog whether a function is installed, and calling django-tenants' ``clone_schema``.
"""

from django.db import connection


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
