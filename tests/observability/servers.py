"""Real web and worker processes for the observability tests, against the test database."""

import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings

from tests.live_server import _wait_for_server_sessions_to_end, server_env


def process_env(**extra: str) -> dict[str, str]:
    """tests/live_server.py's server environment, single-process metrics unless asked."""
    env = server_env(**extra)
    if "PROMETHEUS_MULTIPROC_DIR" not in extra:
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def start_gunicorn(*, port: int, workers: int, log_path: Path, **extra: str) -> subprocess.Popen:
    """gunicorn with the project's config file (config/gunicorn.py), like the Procfile's web."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"],
        env=process_env(**extra), cwd=settings.BASE_DIR, stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return process
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    process.kill()
    raise TimeoutError("gunicorn did not start in time")


def start_worker(*, queue: str, log_path: Path, **extra: str) -> subprocess.Popen:
    """A Celery worker (solo pool) consuming ``queue``, its output in ``log_path``."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "-Q", queue, "-n", f"{queue}@%h"],
        env=process_env(CELERY_TASK_DEFAULT_QUEUE=queue, **extra), cwd=settings.BASE_DIR,
        stdout=log_path.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    _wait_for_server_sessions_to_end()
