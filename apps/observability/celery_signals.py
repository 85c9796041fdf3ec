"""Celery hooks: the request id travels with the task; task runtime, outcomes and liveness.

Connected from ObservabilityConfig.ready(), so every process that loads Django has them: the web
(publishing) and the worker (running).
"""

import logging
import os
from time import perf_counter

from celery import signals

from apps.observability import errors, exposition, logs, metrics

logger = logging.getLogger("mercato.task")

REQUEST_ID_HEADER = "mercato_request_id"
_started: dict[str, float] = {}


@signals.before_task_publish.connect
def carry_request_id(headers=None, **kwargs) -> None:
    """Put the publishing request's (or task's) id in the message headers."""
    request_id = logs.current("request_id")
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect
def task_started(task_id=None, task=None, **kwargs) -> None:
    request = task.request
    headers = request.headers or {}
    request_id = getattr(request, REQUEST_ID_HEADER, None) or headers.get(REQUEST_ID_HEADER)
    # The store the task runs in (tenant-schemas-celery's header): bound, because that library
    # switches the connection back to public before task_postrun's line is written.
    schema = getattr(request, "_schema_name", None) or headers.get("_schema_name")
    logs.clear()
    logs.bind(request_id=request_id or task_id, task=task.name, task_id=task_id)
    if schema:
        logs.bind(store=schema)
    errors.tag_request(request_id or task_id)
    _started[task_id] = perf_counter()


@signals.task_postrun.connect
def task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    if started is not None:
        duration = perf_counter() - started
        metrics.task_runtime.labels(task.name).observe(duration)
        metrics.task_outcomes.labels(task.name, state or "UNKNOWN").inc()
        logger.info(
            "task %s %s", task.name, state,
            extra={"state": state, "duration_ms": round(duration * 1000, 1)},
        )  # fmt: skip
    logs.clear()


@signals.worker_ready.connect
def worker_alive(**kwargs) -> None:
    metrics.worker_processes.inc()


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def forget_process(**kwargs) -> None:
    """Drop this process's live gauges (prometheus_client's mark_process_dead)."""
    directory = exposition.multiprocess_dir()
    if directory is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), str(directory))
