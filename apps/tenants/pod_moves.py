"""Moving a store's schema to another pod: copy, verify, switch with a short write pause.

1. **Pause** (once the definition is copied, see 2): the store's ``writes_paused_at`` is set
   (committed), then the store's write lock is taken exclusively (``pods.exclusive_writes``):
   the writes in flight finish first; any write arriving from now on sees the flag, waits, and
   after ``POD_MOVE_WRITE_WAIT_SECONDS`` gets a 503 with Retry-After
   (``apps/tenants/middleware.py``; tasks retry). Reads go on from the old copy, which holds
   everything written so far.
2. **Copy**: before the pause, the schema's definition (``pg_dump --schema-only`` piped into
   ``psql --single-transaction`` on the target, the same client binaries as the template clone,
   ``template_schema.pg_binary``); in the pause, the rows (``COPY`` streamed table by table
   between the two servers, one transaction on the target) and the sequences' positions.
3. **Verify**: row counts of every table, sequence positions, and the stock ledger (sum of the
   movements per stock row, each row's on_hand and reserved) equal on both servers; else the
   copy is dropped, writes resume on the source, and the move is recorded as failed.
4. **Switch**: the store's pod becomes the target and the flag is cleared in one update; the
   routing cache forgets the store's hosts; the waiting writes go on, on the new pod.

The old copy stays on the source for ``POD_MOVE_GRACE_SECONDS`` (requests that read a cached
store row a moment longer still find it), then ``drop_old_copies`` (``move_store --drop-old``)
drops it. Every move is a ``StoreMove`` row.
"""

import contextlib
import logging
import re
import subprocess
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from apps.tenants import pods, routing, sql, template_schema
from apps.tenants.models import Store, StoreMove

logger = logging.getLogger(__name__)

# How long the move waits for the writes in flight before it gives up (and resumes them).
DRAIN_TIMEOUT_SECONDS = 30.0
COPY_TIMEOUT_SECONDS = 600


class MoveError(Exception):
    """The move could not be made (bad target, copy or verification failed)."""


def prepare_pod(pod: str) -> None:
    """Make ``pod`` ready to hold stores: the default pod's extensions, and its template schema
    (copied) so that new stores can be cloned there."""
    with pods.using_pod(pods.DEFAULT_POD):
        extensions = sql.installed_extensions()
    with pods.using_pod(pod):
        for name in extensions:
            sql.create_extension(name)
        has_template = sql.schema_exists_here(template_schema.template_schema_name())
    if not has_template and pod != pods.DEFAULT_POD:
        copy_schema(template_schema.template_schema_name(), source=pods.DEFAULT_POD, target=pod)


_FOREIGN_COLUMN_OPTION = re.compile(template_schema.FOREIGN_COLUMN_OPTION.encode())


def copy_schema(schema: str, *, source: str, target: str, rows: bool = True) -> None:
    """``pg_dump`` the schema (``rows=False``: its definition only) from pod ``source`` into pod
    ``target``, all or nothing (one transaction on the target; psql stops at the first error).

    pg_dump reads the whole system catalog, even for one schema: its time grows with the
    number of stores on the source (2.4 s at 210 stores, 0.06 s on an empty server), which is
    why a move runs it before the write pause."""
    dump_args, dump_env = template_schema.pg_connection_args(connections[source].settings_dict)
    load_args, load_env = template_schema.pg_connection_args(connections[target].settings_dict)
    only = [] if rows else ["--schema-only"]
    dump = subprocess.Popen(
        [template_schema.pg_binary("pg_dump"), "--no-owner", "--no-privileges", *only]
        + ["--schema", schema, *dump_args],
        env=dump_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    load = subprocess.Popen(
        [template_schema.pg_binary("psql"), "--quiet", "--no-psqlrc", "--single-transaction"]
        + ["--set", "ON_ERROR_STOP=1", *load_args],
        env=load_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert dump.stdout is not None and load.stdin is not None
    try:
        for line in dump.stdout:
            if not _FOREIGN_COLUMN_OPTION.match(line):
                load.stdin.write(line)
    except BrokenPipeError:
        pass  # psql stopped at an error: reported below
    finally:
        dump.stdout.close()
        with contextlib.suppress(BrokenPipeError):
            load.stdin.close()
    dumped = dump.wait(timeout=COPY_TIMEOUT_SECONDS)
    loaded = load.wait(timeout=COPY_TIMEOUT_SECONDS)
    if dumped != 0 or loaded != 0:
        errors = b"".join(p.stderr.read() for p in (dump, load) if p.stderr)
        raise MoveError(
            f"copying schema {schema} from {source} to {target} failed: "
            + errors.decode(errors="replace")[:2000]
        )


def copy_rows(schema: str, *, source: str, target: str) -> None:
    """Fill the target's empty copy of the schema (made by ``copy_schema(rows=False)``) with the
    source's rows, in one transaction of the target."""
    with transaction.atomic(using=target):
        sql.copy_schema_rows(schema=schema, source=connections[source], target=connections[target])


def snapshot(schema: str, pod: str) -> dict:
    """What a verified copy must have the same of: rows per table, sequences, stock ledger."""
    with pods.using_pod(pod):
        return {
            "rows": sql.schema_row_counts(schema),
            "sequences": sql.schema_sequence_positions(schema),
            "stock": sql.stock_ledger_sums(schema),
        }


def verify_copy(schema: str, *, source: str, target: str) -> dict:
    """Compare the two copies; return the source's snapshot, or raise ``MoveError`` naming
    what differs."""
    before, after = snapshot(schema, source), snapshot(schema, target)
    differences = [
        f"{part}: {name} {before[part].get(name)} != {after[part].get(name)}"
        for part in ("rows", "sequences")
        for name in sorted(set(before[part]) | set(after[part]))
        if before[part].get(name) != after[part].get(name)
    ]
    if before["stock"] != after["stock"]:
        differences.append("stock ledger sums differ")
    if differences:
        raise MoveError("the copy differs: " + "; ".join(differences[:10]))
    return before


def move_store(*, slug: str, to_pod: str) -> StoreMove:
    """Move the store's schema to ``to_pod`` (see the module docstring); return the record."""
    store = Store.objects.get(schema_name=slug)
    if to_pod not in settings.PODS:
        raise MoveError(f"Unknown pod {to_pod!r}; pods: {', '.join(settings.PODS)}")
    if store.pod == to_pod:
        raise MoveError(f"Store {slug} is already on pod {to_pod}.")
    if store.writes_paused_at is not None:
        raise MoveError(f"Store {slug} is being moved already.")
    with pods.using_pod(to_pod):
        if sql.schema_exists_here(slug):
            raise MoveError(
                f"Pod {to_pod} already holds a schema {slug} (an old copy?): drop it first "
                f"(move_store {slug} --drop-old)."
            )
    prepare_pod(to_pod)
    move = StoreMove.objects.create(store=store, from_pod=store.pod, to_pod=to_pod)
    copied = False
    try:
        # The definition first, writes still on: pg_dump's catalog-wide reads stay out of the
        # pause. The schema's shape does not change meanwhile (migrations are not run then).
        copy_schema(slug, source=store.pod, target=to_pod, rows=False)
        copied = True
        Store.objects.filter(pk=store.pk).update(writes_paused_at=timezone.now())
        routing.forget_store_hosts(store.id)
        paused = time.monotonic()
        with pods.exclusive_writes(store.id, timeout_seconds=DRAIN_TIMEOUT_SECONDS):
            copy_rows(slug, source=store.pod, target=to_pod)
            checked = verify_copy(slug, source=store.pod, target=to_pod)
            with transaction.atomic():
                Store.objects.filter(pk=store.pk).update(pod=to_pod, writes_paused_at=None)
                move.status = StoreMove.Status.SWITCHED
                move.switched_at = timezone.now()
                move.pause_ms = round((time.monotonic() - paused) * 1000)
                move.tables = len(checked["rows"])
                move.rows = sum(checked["rows"].values())
                move.save()
            routing.forget_store_hosts(store.id)
    except (MoveError, TimeoutError, OSError, subprocess.SubprocessError, DatabaseError) as exc:
        if copied:
            with pods.using_pod(to_pod):
                sql.drop_schema(slug)
        Store.objects.filter(pk=store.pk).update(writes_paused_at=None)
        routing.forget_store_hosts(store.id)
        StoreMove.objects.filter(pk=move.pk).update(status=StoreMove.Status.FAILED, error=str(exc))
        logger.warning("move of store %s to pod %s failed: %s", slug, to_pod, exc)
        raise MoveError(str(exc)) from exc
    logger.info(
        "store %s moved from pod %s to %s: %d rows, writes paused %d ms",
        slug,
        move.from_pod,
        to_pod,
        move.rows,
        move.pause_ms,
    )
    return move


def drop_old_copies(*, slug: str | None = None, grace: timedelta | None = None) -> list[StoreMove]:
    """Drop the source copies of switched moves older than ``grace`` (default
    ``POD_MOVE_GRACE_SECONDS``); with ``slug``, only that store's. Return the moves done."""
    grace = timedelta(seconds=settings.POD_MOVE_GRACE_SECONDS) if grace is None else grace
    moves = StoreMove.objects.filter(
        status=StoreMove.Status.SWITCHED,
        old_dropped_at__isnull=True,
        switched_at__lte=timezone.now() - grace,
    ).select_related("store")
    if slug:
        moves = moves.filter(store__schema_name=slug)
    dropped = []
    for move in moves:
        if move.store.pod == move.from_pod:
            continue  # moved back since: the "old" copy is the live one
        with pods.using_pod(move.from_pod):
            sql.drop_schema(move.store.schema_name)
        StoreMove.objects.filter(pk=move.pk).update(old_dropped_at=timezone.now())
        logger.info("dropped the old copy of %s on pod %s", move.store.schema_name, move.from_pod)
        dropped.append(move)
    return dropped
