"""``migrate_fleet``: the deploy's migration (Procfile ``release``), for fleets of any size.

1. the public schema (``migrate_schemas --shared``);
2. the template schema, if its recorded state is not the code's;
3. pooled schemas of the old template are dropped (beat and step 5 make current ones);
4. only the stores whose recorded migration state differs from the code's
   (``apps/tenants/fleet.py``: one query), in batches over ``--processes`` processes. Each store
   is recorded ``running``, then ``current`` or ``failed`` with its error; a failing store does
   not stop the others, and is listed at the end (exit status 1). A run killed half-way resumes
   where it stopped: the stores it finished are current and are skipped.
5. the schema pool is topped up (``--no-pool`` skips it).

With several pods (``settings.PODS``) each store is migrated on its own pod, and every other
pod's template too (state row ``store_template@<pod>``; a pod without one gets a copy of the
default pod's, ``pod_moves.prepare_pod``).

``migrate_schemas`` (``make run``, the test suite) still visits every schema; it records the
fleet current when it finishes, so the next ``migrate_fleet`` has nothing to do.
"""

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connection, connections
from django_tenants.migration_executors.base import run_migrations

from apps.tenants import due, fleet, pod_moves, pods, schema_pool, sql, template_schema
from apps.tenants.fleet_executor import FleetExecutor
from apps.tenants.models import SchemaState, Store


def _migrate_options(verbosity: int) -> dict:
    parser = MigrateCommand().create_parser("manage.py", "migrate")
    options = vars(parser.parse_args([]))
    options.update(interactive=False, verbosity=verbosity, skip_checks=True)
    return options


def migrate_schema(
    schema_name: str,
    fingerprint: str,
    verbosity: int = 0,
    executor: FleetExecutor | None = None,
    pod: str = pods.DEFAULT_POD,
    state_name: str | None = None,
) -> tuple[str, str, float]:
    """Migrate one schema on ``pod``, recording its state (under ``state_name``, default the
    schema's name); return (state name, error or "", seconds).

    With ``executor`` (stores), its shared graph and states; else (or when the plan needs
    ``post_migrate``) django-tenants' per-schema ``migrate``.
    """
    started = time.monotonic()
    state_name = state_name or schema_name
    connection.set_schema_to_public()
    fleet.record([state_name], status=SchemaState.Status.RUNNING)
    try:
        with due.quiet(), pods.using_pod(pod):  # data migrations are not store activity
            connection.set_schema_to_public()
            if executor is None or not executor.apply(schema_name):
                run_migrations([], _migrate_options(verbosity), "fleet", schema_name)
            connection.set_schema_to_public()
    except Exception as exc:  # any failure of one store is recorded; the fleet goes on
        connection.close()
        connection.set_schema_to_public()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        fleet.record([state_name], status=SchemaState.Status.FAILED, error=error)
        return state_name, error, time.monotonic() - started
    connection.set_schema_to_public()
    fleet.record([state_name], fingerprint=fingerprint)
    return state_name, "", time.monotonic() - started


def migrate_batch(schemas: list[tuple[str, str]], fingerprint: str, verbosity: int) -> list:
    """A worker process's share: its (schema, pod) pairs one after the other."""
    global _executor
    if _executor is None:
        _executor = FleetExecutor()
    return [
        migrate_schema(name, fingerprint, verbosity, _executor, pod=pod) for name, pod in schemas
    ]


_executor: FleetExecutor | None = None  # one per worker process


class Command(BaseCommand):
    help = "Migrate the public schema, the template and the stores not yet current, in parallel."

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=2, help="parallel workers")
        parser.add_argument("--batch-size", type=int, default=25, help="stores per work unit")
        parser.add_argument("--no-pool", action="store_true", help="leave the schema pool")
        parser.add_argument("--skip-public", action="store_true", help="stores only")
        parser.add_argument(
            "--status", action="store_true", help="only report the stores' states, change nothing"
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        started = time.monotonic()
        connection.set_schema_to_public()
        fingerprint = fleet.code_fingerprint()
        if options["status"]:
            self._report(fingerprint)
            return
        if not options["skip_public"]:
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        template = template_schema.template_schema_name()
        template_schema.ensure_template_schema()
        if not fleet.template_is_current(fingerprint):
            _, error, _ = migrate_schema(template, fingerprint, verbosity)
            if error:
                raise CommandError(f"The template schema failed to migrate: {error}")
            template_schema.install_clone_function()
        self._migrate_pod_templates(fingerprint, verbosity)
        schema_pool.discard_stale()
        fleet.forget_dropped_schemas()
        pending = fleet.pending_stores(fingerprint)
        self.stdout.write(f"{len(pending)} stores to migrate")
        failures = self._run(pending, fingerprint, options)
        if not options["no_pool"]:
            schema_pool.top_up()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"fleet migrated in {elapsed:.1f} s: {len(pending) - len(failures)} stores migrated, "
            f"{len(failures)} failed"
        )
        if failures:
            for name, error in failures:
                self.stderr.write(f"  {name}: {error}")
            raise CommandError(f"{len(failures)} stores failed to migrate (listed above)")

    def _migrate_pod_templates(self, fingerprint: str, verbosity: int) -> None:
        """The template of every other pod: copied from the default pod's when missing."""
        template = template_schema.template_schema_name()
        for pod in settings.PODS[1:]:
            state_name = fleet.pod_template_state_name(pod)
            with pods.using_pod(pod):
                present = sql.schema_exists_here(template)
            if not present:
                pod_moves.prepare_pod(pod)
                fleet.record([state_name], fingerprint=fingerprint)
            elif not fleet.schema_is_current(state_name, fingerprint):
                _, error, _ = migrate_schema(
                    template, fingerprint, verbosity, pod=pod, state_name=state_name
                )
                if error:
                    raise CommandError(f"The template schema of pod {pod} failed: {error}")

    def _run(self, pending: list[str], fingerprint: str, options: dict) -> list[tuple[str, str]]:
        if not pending:
            return []
        size, verbosity = options["batch_size"], options["verbosity"]
        pod_of = dict(
            Store.objects.filter(schema_name__in=pending).values_list("schema_name", "pod")
        )
        work = [(name, pod_of.get(name, pods.DEFAULT_POD)) for name in pending]
        batches = [work[i : i + size] for i in range(0, len(work), size)]
        failures: list[tuple[str, str]] = []
        if options["processes"] <= 1:
            results = (migrate_batch(batch, fingerprint, verbosity) for batch in batches)
            for done in results:
                failures += self._log(done)
            return failures
        connections.close_all()  # each forked worker opens its own
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(options["processes"], mp_context=context) as pool:
            futures = [
                pool.submit(migrate_batch, batch, fingerprint, verbosity) for batch in batches
            ]
            for future in as_completed(futures):
                failures += self._log(future.result())
        return failures

    def _log(self, done: list[tuple[str, str, float]]) -> list[tuple[str, str]]:
        failures = []
        for name, error, seconds in done:
            if error:
                failures.append((name, error))
                self.stdout.write(f"{name}: FAILED after {seconds:.2f} s")
            else:
                self.stdout.write(f"{name}: migrated in {seconds:.2f} s")
        return failures

    def _report(self, fingerprint: str) -> None:
        counts = fleet.status_counts(fingerprint)
        self.stdout.write(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
        for name, error in fleet.failed_stores():
            self.stdout.write(f"  {name}: {error}")
