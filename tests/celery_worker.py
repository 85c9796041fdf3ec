"""Start a real Celery worker process against the test database and Redis."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from config.celery import app


def _test_database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgresql://{quote(db['USER'] or 'postgres')}{password}@{host}{port}/{db['NAME']}"


@contextmanager
def running_worker(timeout: float = 60):
    """Yield while a worker consumes a queue private to this test run.

    The private queue keeps a developer's `make run` worker on the same Redis from taking the
    test's tasks. Tasks sent inside the block go to that queue.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "-Q", queue,
         "-n", f"{queue}@%h"],
        env=env,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        _wait_until_consuming(queue, process, timeout)
        yield queue
    finally:
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_consuming(queue: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with code {process.returncode}")
        replies = app.control.inspect(timeout=1, destination=[f"{queue}@{os.uname().nodename}"])
        if replies.active_queues():
            return
    raise TimeoutError("the Celery worker did not start consuming in time")
