"""Which PostgreSQL and Redis a process uses when ``DATABASE_URL`` / ``REDIS_URL`` are unset.

``config.devservices`` (what ``make run`` and ``make test`` run under) records the URLs of the
embedded servers it started or reused in ``.data/services.json``, with how to tell that each is
still up (its Unix socket or TCP port accepts a connection). Settings read that file when a URL
is not in the environment and use each recorded server that answers, so a plain
``python manage.py <command>`` in a checkout where ``make run`` is running uses its servers.
A server that is gone (Ctrl-C, a killed ``make run``) is ignored; with no database at all,
``manage.py`` says what to do in one line (``NO_DATABASE``).

Plain standard library: settings import this module, so it must stay cheap (a small file and
at most two local connects that either succeed or are refused at once).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MERCATO_DATA_DIR", ROOT / ".data"))
STATE_FILE = "services.json"
ENV_NAMES = {"postgres": "DATABASE_URL", "redis": "REDIS_URL"}
PROBE_TIMEOUT = 0.5

NO_DATABASE = (
    "No database: DATABASE_URL is unset and no embedded PostgreSQL is running in this checkout. "
    "Start the servers with `make run` (in another terminal), or run the command under "
    "`.venv/bin/python -m config.devservices -- .venv/bin/python manage.py …`, "
    "or set DATABASE_URL."
)


def _state_path(data_dir: Path | None) -> Path:
    return (data_dir or DATA_DIR) / STATE_FILE


def _read(data_dir: Path | None) -> dict:
    try:
        state = json.loads(_state_path(data_dir).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write(state: dict, data_dir: Path | None) -> None:
    path = _state_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True))
    os.replace(temporary, path)  # readers see the old file or the new one, never half of one


def record(
    service: str,
    url: str,
    *,
    unix_socket: str = "",
    tcp: tuple[str, int] | None = None,
    data_dir: Path | None = None,
) -> None:
    """Remember that ``service`` ("postgres" or "redis") runs at ``url``, reachable through
    ``unix_socket`` (a socket file's path) or ``tcp`` (host, port)."""
    entry: dict = {"url": url}
    if unix_socket:
        entry["unix_socket"] = unix_socket
    if tcp:
        entry["tcp"] = [tcp[0], int(tcp[1])]
    state = _read(data_dir)
    state[service] = entry
    _write(state, data_dir)


def forget(service: str, *, data_dir: Path | None = None) -> None:
    """The server of ``service`` was stopped: take it off the record."""
    state = _read(data_dir)
    if state.pop(service, None) is not None:
        _write(state, data_dir)


def answers(entry: dict) -> bool:
    """Whether the recorded server accepts a connection now."""
    try:
        if entry.get("unix_socket"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(PROBE_TIMEOUT)
                probe.connect(entry["unix_socket"])
            return True
        if entry.get("tcp"):
            host, port = entry["tcp"]
            with contextlib.closing(
                socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT)
            ):
                return True
    except (OSError, TypeError, ValueError):
        return False
    return False


def running_urls(*, data_dir: Path | None = None) -> dict[str, str]:
    """``{"DATABASE_URL": …, "REDIS_URL": …}`` of the recorded servers that answer now."""
    urls = {}
    for service, entry in _read(data_dir).items():
        name = ENV_NAMES.get(service)
        if name and isinstance(entry, dict) and entry.get("url") and answers(entry):
            urls[name] = entry["url"]
    return urls


def resolve(environ: dict[str, str] | os._Environ, *, data_dir: Path | None = None) -> dict:
    """Each URL and where it came from: ``{"DATABASE_URL": (url or "", source)}`` with source
    "environment", "embedded" (a running server of this checkout) or "" (none)."""
    missing = [name for name in ENV_NAMES.values() if not environ.get(name)]
    running = running_urls(data_dir=data_dir) if missing else {}
    resolved = {}
    for name in ENV_NAMES.values():
        if environ.get(name):
            resolved[name] = (environ[name], "environment")
        elif name in running:
            resolved[name] = (running[name], "embedded")
        else:
            resolved[name] = ("", "")
    return resolved
