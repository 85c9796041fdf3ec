"""The template schema every new store is cloned from (settings.TENANT_BASE_SCHEMA).

It is an ordinary store schema with no store row: migrated with every release by our
``migrate_schemas``, holding the tables, sequences and rows (content types, permissions,
migration records) a new store starts with. Cloning it with data copies the migration records
too, so a new store needs no migration run at all — that keeps store creation well under a
second however many apps exist.
"""

from django.conf import settings
from django.db import connection
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


def ensure_template_schema() -> bool:
    """Create the empty template schema if missing; return True if it was created."""
    name = template_schema_name()
    if schema_exists(name):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{name}"')
    return True


def install_clone_function() -> None:
    """(Re)install django-tenants' ``public.clone_schema`` PL/pgSQL function."""
    CloneSchema()._create_clone_schema_function()


def _clone_function_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
        )
        return cursor.fetchone() is not None


def clone_template_schema(new_schema: str) -> None:
    """Copy the template schema, tables, sequences and rows, into ``new_schema``.

    Runs in the caller's transaction, so a failed store creation leaves no schema behind.
    """
    connection.set_schema_to_public()
    if not _clone_function_installed():
        install_clone_function()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT public.clone_schema(%s, %s, 'DATA')", [template_schema_name(), new_schema]
        )
