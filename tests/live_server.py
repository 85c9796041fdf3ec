"""A real web server (gunicorn) against the test database, for tests that need one.

The server is a separate process: it sees only committed rows, so use it with the
``committed_store`` fixture (or let it open the store itself, through its signup page:
``signup_slug``). It talks to the test run's Redis under a cache prefix and a Celery
queue of its own, so a developer's ``make run`` on the same Redis never answers its tasks.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from tests.celery_worker import _test_database_url

SERVER_APPLICATION_NAME = f"mercato-test-web-{os.getpid()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class LiveWeb:
    port: int
    log_path: Path
    process: subprocess.Popen

    def url(self, host: str, path: str = "/") -> str:
        """The address a browser uses: the store's own host name on the server's port.

        ``<slug>.localhost`` resolves to the loopback address in Chromium and in ``requests``.
        """
        return f"http://{host}:{self.port}{path}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text()[-chars:]


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a server process pointed at the test database."""
    redis_url = settings.CACHES["default"]["LOCATION"]
    return {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": f"test-web-{uuid.uuid4().hex[:12]}",
        "CACHE_KEY_PREFIX": f"web{uuid.uuid4().hex[:8]}",
        "CONN_MAX_AGE": "0",
        "DEBUG": "0",
        # Plain HTTP on loopback: the explicit opt-out of the HTTPS-only settings.
        "PLAIN_HTTP": "1",
        "PLATFORM_ADMIN_REQUIRE_2FA": "0",
        # Names the server's database sessions, so that stopping it can wait for them to end.
        "PGAPPNAME": SERVER_APPLICATION_NAME,
        **overrides,
    }


@contextmanager
def running_web(
    log_path: Path, *, workers: int = 1, threads: int = 2, env: dict[str, str] | None = None
) -> Iterator[LiveWeb]:
    """Start gunicorn on a free port, wait until it answers, stop it on the way out.

    The links the server writes (the signup page's link to the new store's admin, emails)
    carry its port: ``PUBLIC_PORT``.
    """
    port = free_port()
    env = {**(env or server_env()), "PUBLIC_PORT": str(port)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "--timeout", "60"],
            env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(process, port, log_path)
        yield LiveWeb(port=port, log_path=log_path, process=process)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        _wait_for_server_sessions_to_end()


def _wait_until_up(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # booting (a busy machine)
            time.sleep(0.2)
    process.kill()
    raise TimeoutError("gunicorn did not start in time")


def _wait_for_server_sessions_to_end(timeout: float = 10) -> None:
    """PostgreSQL ends a session a moment after its client exits; the test database can only be
    dropped (or a schema reused) once the server's sessions are gone."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [SERVER_APPLICATION_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def let_server_check_password(email: str, password: str) -> None:
    """Hash ``password`` with a hasher the server accepts (the test run itself uses MD5)."""
    hasher = Argon2PasswordHasher()
    get_user_model().objects.filter(email=email).update(
        password=hasher.encode(password, hasher.salt())
    )
