"""Start a real Celery worker process against the test database and Redis."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection
from kombu import pools
from kombu.exceptions import OperationalError

from config.celery import app


def _test_database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgresql://{quote(db['USER'] or 'postgres')}{password}@{host}{port}/{db['NAME']}"


@contextmanager
def running_worker(timeout: float = 60, *, env: dict[str, str] | None = None):
    """Yield while a worker consumes a queue private to this test run.

    The private queue keeps a developer's `make run` worker on the same Redis from taking the
    test's tasks. Tasks sent inside the block go to that queue. ``env``: extra environment of
    the worker process (its broker, email backend, …).
    """
    with worker_process(timeout, env=env) as (queue, _process):
        yield queue


@contextmanager
def worker_process(timeout: float = 60, *, env: dict[str, str] | None = None, queue: str = ""):
    """``running_worker`` that also yields the process, and can consume a given ``queue`` (a
    second worker taking over what the first left behind)."""
    queue = queue or f"test-{uuid.uuid4().hex[:12]}"
    environment = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CONN_MAX_AGE": "0",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "-Q", queue,
         "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"],
        env=environment,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        _wait_until_consuming(process, timeout)
        yield queue, process
    finally:
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_consuming(process: subprocess.Popen, timeout: float) -> None:
    node = process.args[-1].replace("%h", os.uname().nodename)  # type: ignore[index]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with code {process.returncode}")
        try:
            replies = app.control.inspect(timeout=1, destination=[node])
            if replies.active_queues():
                return
        except (OSError, OperationalError, redis.exceptions.ConnectionError):
            # The broker restarted under the pooled connection: connect again.
            _drop_broker_connections()
            time.sleep(0.1)
    raise TimeoutError("the Celery worker did not start consuming in time")


@contextmanager
def broker_at(url: str):
    """Point this process's Celery app (its publishes and worker control) at the broker ``url``."""
    previous = app.conf.broker_url
    _drop_broker_connections()
    app.conf.broker_url = url
    try:
        yield
    finally:
        _drop_broker_connections()
        app.conf.broker_url = previous


def _drop_broker_connections() -> None:
    # kombu keeps one pool per broker URL for the process; closed pools must leave that
    # registry too, or the next acquire for the URL finds a closed pool.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


class PrivateRedis:
    """A Redis of this test's own, started as ``make run`` starts its embedded one (snapshots
    and append-only file in ``directory``): a broker a test may stop, kill and restart."""

    def __init__(self, directory: Path):
        from config import devservices

        self.devservices = devservices
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.pid_file = self.devservices.launch_redis(
            self.directory, self.port, **self.devservices.EMBEDDED_REDIS_PERSISTENCE
        )

    def stop(self) -> None:
        """A clean stop (SIGTERM: Redis writes its files and exits)."""
        self.devservices._stop_redis(self.pid_file)

    def kill(self) -> None:
        """A crash (SIGKILL): only what already reached the append-only file survives."""
        pid = int(self.pid_file.read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)
