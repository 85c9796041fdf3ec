"""Pods: store schemas spread over several PostgreSQL servers (architecture §8).

``settings.PODS`` names the servers, one ``DATABASES`` alias each; ``default`` is the first pod
and the only one holding the public schema's rows (stores, domains, the platform's tables).
Each ``Store`` records its pod. A request or task for a store on another pod *activates* that
pod: for the rest of it, this thread's ``default`` connection is the pod's, so every store query
— ORM, raw SQL, ``transaction.atomic()``, ``select_for_update`` — runs on the store's server
unchanged, while ``PodRouter`` sends the public schema's models to ``PLATFORM_ALIAS``, the
default pod's connection kept aside. With one pod nothing is swapped and nothing changes.

Moving a store (``apps/tenants/pod_moves.py``) pauses its writes. Every write (an unsafe HTTP
method, a task) holds a shared advisory lock on the store for its whole length (``store_writes``)
and reads the store's pod and pause flag *after* taking it; the mover sets the flag, then takes
the lock exclusively, which waits for the writes in flight. A write arriving in the window sees
the flag and waits for the switch, or gives up with ``StoreMoving`` (HTTP 503, Retry-After).
"""

import contextlib
import threading
import time
from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count
from django_tenants.utils import schema_context

from apps.tenants.exceptions import StoreMoving

DEFAULT_POD = "default"
PLATFORM_ALIAS = "platform"
# pg_advisory_lock(key1, key2): key1 names the lock family ("store writes"), key2 the store id.
WRITE_LOCK_FAMILY = 0x4D52_5057  # "MRPW"
POLL_SECONDS = 0.05
STORE_COMMAND_WAIT_SECONDS = 60.0


class _ThreadPod(threading.local):
    pod: str = DEFAULT_POD
    primary = None  # the default pod's connection wrapper while another pod is active
    write_locks: list[int]

    def __init__(self) -> None:
        self.write_locks = []


_state = _ThreadPod()


def pod_names() -> list[str]:
    return list(settings.PODS)


def current_pod() -> str:
    return _state.pod


def platform_connection():
    """The default pod's connection: the public schema's tables, whatever pod is active."""
    return _state.primary if _state.pod != DEFAULT_POD else connections[DEFAULT_DB_ALIAS]


def activate(pod: str) -> None:
    """Make ``pod``'s server this thread's ``default`` connection (``DEFAULT_POD``: undo)."""
    if pod == _state.pod:
        return
    if pod not in settings.PODS:
        raise ValueError(f"Unknown pod {pod!r}; settings.PODS: {settings.PODS}")
    primary = platform_connection()
    if pod == DEFAULT_POD:
        connections[DEFAULT_DB_ALIAS] = primary
        del connections[PLATFORM_ALIAS]
        _state.primary = None
    else:
        connections[PLATFORM_ALIAS] = primary
        connections[DEFAULT_DB_ALIAS] = connections[pod]
        _state.primary = primary
    _state.pod = pod


@contextlib.contextmanager
def using_pod(pod: str) -> Iterator[None]:
    previous = _state.pod
    activate(pod)
    try:
        yield
    finally:
        activate(previous)


@contextlib.contextmanager
def store_context(store, *, writes: bool = False) -> Iterator[None]:
    """``schema_context`` on the store's own pod (platform views reading each store).

    ``writes=True`` (commands that change a store): with several pods, also hold the store's
    write lock, so a move waits for the block, or the block for the move
    (``STORE_COMMAND_WAIT_SECONDS``, then ``StoreMoving``)."""
    if writes and len(settings.PODS) > 1:
        with (
            store_writes(store, wait_seconds=STORE_COMMAND_WAIT_SECONDS),
            schema_context(store.schema_name),
        ):
            yield
        return
    with using_pod(store.pod), schema_context(store.schema_name):
        yield


def least_loaded_pod() -> str:
    """The pod holding the fewest stores (a new pod, holding none, first)."""
    counts = stores_per_pod()
    return min(settings.PODS, key=lambda pod: (counts[pod], settings.PODS.index(pod)))


def stores_per_pod() -> dict[str, int]:
    from apps.tenants.models import Store

    counts = dict(Store.objects.values_list("pod").annotate(n=Count("id")).order_by())
    return {pod: counts.get(pod, 0) for pod in settings.PODS}


# --- the write gate ------------------------------------------------------------------------


def _try_lock(store_id: int, *, exclusive: bool) -> bool:
    function = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
    with platform_connection().cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [WRITE_LOCK_FAMILY, store_id])
        return cursor.fetchone()[0]


def _unlock(store_id: int, *, exclusive: bool) -> None:
    function = "pg_advisory_unlock" if exclusive else "pg_advisory_unlock_shared"
    with platform_connection().cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [WRITE_LOCK_FAMILY, store_id])


def store_for_schema(schema_name: str):
    """The store whose schema this is (None for the template or a pooled schema)."""
    from apps.tenants.models import Store

    return Store.objects.filter(schema_name=schema_name).first()


def _fresh_route(store_id: int) -> tuple[str, bool]:
    """The store's pod and whether its writes are paused, read now (not from a cache)."""
    from apps.tenants.models import Store

    pod, paused_at = (
        Store.objects.using(_platform_alias())
        .filter(pk=store_id)
        .values_list("pod", "writes_paused_at")
        .get()
    )
    return pod, paused_at is not None


def _platform_alias() -> str:
    return PLATFORM_ALIAS if _state.pod != DEFAULT_POD else DEFAULT_DB_ALIAS


def enter_store_for_write(store, *, wait_seconds: float) -> None:
    """Hold the store's shared write lock and activate its pod as read under that lock.

    Waits up to ``wait_seconds`` while the store is being switched to another pod, then raises
    ``StoreMoving``. Release with ``leave_store``.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        if _try_lock(store.id, exclusive=False):
            pod, paused = _fresh_route(store.id)
            if not paused:
                _state.write_locks.append(store.id)
                _switch_store_pod(store, pod)
                return
            _unlock(store.id, exclusive=False)
        if time.monotonic() >= deadline:
            raise StoreMoving(store.schema_name)
        time.sleep(POLL_SECONDS)


def enter_store_for_read(store) -> None:
    """Activate the store's pod (the routing cache's copy of the store row may lag a switch
    by a moment: the old copy is kept for a grace period, so reads stay whole)."""
    _switch_store_pod(store, store.pod)


def _switch_store_pod(store, pod: str) -> None:
    if pod == _state.pod and store.pod == pod:
        return
    store.pod = pod
    platform_connection().set_schema_to_public()
    activate(pod)
    connections[DEFAULT_DB_ALIAS].set_tenant(store)


def leave_store() -> None:
    """Release the write locks taken by this thread and go back to the default pod."""
    while _state.write_locks:
        store_id = _state.write_locks.pop()
        _unlock(store_id, exclusive=False)
    if _state.pod != DEFAULT_POD:
        connections[DEFAULT_DB_ALIAS].set_schema_to_public()
        activate(DEFAULT_POD)


@contextlib.contextmanager
def store_writes(store, *, wait_seconds: float) -> Iterator[None]:
    """``enter_store_for_write`` for a block; on leaving, release only this block's lock and
    go back to the pod active before (a task run eagerly inside another stays whole)."""
    previous = _state.pod
    enter_store_for_write(store, wait_seconds=wait_seconds)
    try:
        yield
    finally:
        _unlock(_state.write_locks.pop(), exclusive=False)
        if _state.pod != previous:
            connections[DEFAULT_DB_ALIAS].set_schema_to_public()
            activate(previous)


@contextlib.contextmanager
def exclusive_writes(store_id: int, *, timeout_seconds: float) -> Iterator[None]:
    """Hold the store's write lock exclusively: the writes in flight have finished, no new one
    starts. Call after the pause flag is committed (new writers then see it and wait)."""
    deadline = time.monotonic() + timeout_seconds
    while not _try_lock(store_id, exclusive=True):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"writes to store {store_id} did not finish in {timeout_seconds}s")
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        _unlock(store_id, exclusive=True)


# --- the router --------------------------------------------------------------------------


def _platform_app_labels() -> frozenset[str]:
    shared_only = set(settings.SHARED_APPS) - set(settings.TENANT_APPS)
    return frozenset(
        config.label for config in apps.get_app_configs() if config.name in shared_only
    )


class PodRouter:
    """While a store of another pod is active, the public schema's models (apps only in
    SHARED_APPS: stores, domains, fleet state…) are read and written on the default pod."""

    _labels: frozenset[str] | None = None

    def db_for_read(self, model, **hints):
        if PodRouter._labels is None:
            PodRouter._labels = _platform_app_labels()
        if model._meta.app_label not in PodRouter._labels:
            return None
        # Named even with no other pod active: a store row read while one was carries the
        # alias PLATFORM_ALIAS, which Django would otherwise reuse for its next write.
        return _platform_alias()

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        # A store row read through PLATFORM_ALIAS may be set on an object of the store (a
        # request's in-memory relations): both aliases serve one logical database.
        return True
