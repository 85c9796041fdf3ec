"""Apply pending migrations to many store schemas at a fraction of ``migrate``'s cost per store.

Django's ``migrate`` (which django-tenants runs once per schema) rebuilds everything per store:
the migration graph, an introspection of ``pg_class`` to find ``django_migrations`` (a catalog
that grows with the fleet), the project state of every applied migration, and the
``post_migrate`` pass over content types and permissions. The stores a fleet migration visits
are alike, so a worker process does that work once:

- the graph is loaded once, without a connection; a store's applied migrations are one
  ``SELECT`` of its ``django_migrations`` (checked by name first: a schema without one is left
  to ``migrate``);
- the project state before a plan is built once per distinct plan and cloned per store;
- ``post_migrate`` (content types, permissions) is only needed when a plan creates, deletes or
  renames a model or changes its options: such a plan is run by ``migrate`` itself.
"""

from django.db import connection
from django.db.migrations import operations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

from apps.tenants import sql

# Operations whose content types or permissions post_migrate (or pre_migrate) must follow.
_NEEDS_MIGRATE = (
    operations.CreateModel,
    operations.DeleteModel,
    operations.RenameModel,
    operations.AlterModelOptions,
)


class FleetExecutor:
    """One per worker process; ``apply(schema)`` per store."""

    def __init__(self) -> None:
        self.loader = MigrationLoader(None, ignore_no_migrations=True)
        self.targets = self.loader.graph.leaf_nodes()
        self._states: dict[tuple, ProjectState] = {}

    def apply(self, schema_name: str) -> bool:
        """Apply the store's pending migrations; False if its plan needs a full ``migrate``
        (or the schema has no ``django_migrations`` of its own: unqualified, the name would
        find the public schema's)."""
        connection.set_schema_to_public()
        if not sql.has_migrations_table(schema_name):
            return False
        connection.set_schema(schema_name)
        executor = MigrationExecutor.__new__(MigrationExecutor)
        executor.connection = connection
        executor.loader = self.loader
        executor.progress_callback = None
        executor.recorder = MigrationRecorder(connection)
        executor.recorder._has_table = True  # type: ignore[attr-defined]  # a store has it
        self.loader.applied_migrations = executor.recorder.applied_migrations()  # type: ignore[assignment]
        plan = executor.migration_plan(self.targets)
        if not plan:
            return True
        if any(isinstance(op, _NEEDS_MIGRATE) for m, _ in plan for op in m.operations):
            return False
        key = tuple((m.app_label, m.name) for m, _ in plan)
        state = self._states.get(key)
        if state is None:
            state = executor._create_project_state(  # type: ignore[attr-defined]
                with_applied_migrations=True
            )
            state.apps  # render once: each store gets a clone  # noqa: B018
            self._states[key] = state
        executor.migrate(self.targets, plan=plan, state=state.clone())
        return True
