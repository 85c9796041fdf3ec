"""``migrate_schemas`` that also keeps the store template schema migrated.

It visits every schema, as django-tenants' does (``make run``, the test suite); deploys use
``migrate_fleet``, which visits only the stores not yet current.

Runs django-tenants' command (public schema, then every store), then migrates the template
schema new stores are cloned from, so a store created after a release has the release's tables.
"""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from apps.tenants import fleet, schema_pool
from apps.tenants.template_schema import (
    ensure_template_schema,
    install_clone_function,
    template_schema_name,
)


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        # With no --schema (or only the public one), the parent migrated every store: do the
        # template too. A single-schema run, such as the fake one after a clone, leaves it alone.
        if not self.sync_tenant or self.schema_name not in (None, self.PUBLIC_SCHEMA_NAME):
            return
        ensure_template_schema()
        executor = self._executor()
        executor.run_migrations(tenants=[template_schema_name()])
        install_clone_function()  # picks up a newer django-tenants' version of the function
        # Every schema is migrated: record it, so the next migrate_fleet skips them all, and
        # drop pooled schemas cloned from the template before this migration.
        fleet.record_whole_fleet(fleet.code_fingerprint())
        schema_pool.discard_stale()

    def _executor(self):
        from django_tenants.management.commands.migrate_schemas import GET_EXECUTOR_FUNCTION

        return GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
