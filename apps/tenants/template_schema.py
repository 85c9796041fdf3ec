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

from apps.tenants import sql


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


def ensure_template_schema() -> bool:
    """Create the empty template schema if missing; return True if it was created."""
    name = template_schema_name()
    if schema_exists(name):
        return False
    sql.create_schema(name)
    return True


def install_clone_function() -> None:
    """(Re)install django-tenants' ``public.clone_schema`` PL/pgSQL function."""
    CloneSchema()._create_clone_schema_function()


def clone_template_schema(new_schema: str) -> None:
    """Copy the template schema, tables, sequences and rows, into ``new_schema``.

    Runs in the caller's transaction, so a failed store creation leaves no schema behind.
    """
    connection.set_schema_to_public()
    if not sql.clone_function_installed():
        install_clone_function()
    sql.clone_schema(template_schema_name(), new_schema)
