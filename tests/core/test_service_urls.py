"""`python manage.py …` finds the embedded servers `make run` started in this checkout, and with
no database at all says what to do in one line.

Real servers throughout: the recorded servers are this test run's own PostgreSQL and Redis,
the manage.py runs are real subprocesses, and devservices starts a real embedded Redis.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest

from config import devservices, service_urls

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "from django.conf import settings; from django.db import connection; "
    "connection.ensure_connection(); "
    "print(settings.DATABASE_URL_SOURCE, connection.settings_dict['NAME'], settings.REDIS_URL)"
)


def _record_this_runs_servers(data_dir: Path) -> tuple[str, str]:
    """Record the PostgreSQL (its test database) and Redis this test run uses, as devservices
    records its own."""
    from django.db import connection

    redis_url = os.environ["REDIS_URL"]
    database_url = (
        os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    )
    db = dj_database_url.parse(database_url)
    port = int(db.get("PORT") or 5432)
    if str(db.get("HOST", "")).startswith("/"):
        service_urls.record(
            "postgres", database_url, unix_socket=f"{db['HOST']}/.s.PGSQL.{port}", data_dir=data_dir
        )
    else:
        service_urls.record(
            "postgres", database_url, tcp=(db.get("HOST") or "127.0.0.1", port), data_dir=data_dir
        )
    redis_port = int(redis_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    service_urls.record("redis", redis_url, tcp=("127.0.0.1", redis_port), data_dir=data_dir)
    return db["NAME"], redis_url


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER", "DJANGO_SETTINGS_MODULE"}
    }
    env["MERCATO_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_manage_py_without_urls_uses_the_running_servers_make_run_recorded(tmp_path):
    database, redis_url = _record_this_runs_servers(tmp_path)

    result = _manage(tmp_path, "shell", "--verbosity", "0", "-c", PROBE)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["embedded", database, redis_url]


def test_with_no_url_and_no_running_server_manage_py_says_what_to_do_in_one_line(tmp_path):
    service_urls.record(
        "postgres",
        "postgresql://postgres@%2Fnowhere/mercato",
        unix_socket=str(tmp_path / ".s.PGSQL.5432"),
        data_dir=tmp_path,
    )
    service_urls.record(
        "redis", "redis://127.0.0.1:1/0", tcp=("127.0.0.1", _closed_port()), data_dir=tmp_path
    )

    result = _manage(tmp_path, "migrate_schemas")
    checked = _manage(tmp_path, "check")

    assert result.returncode == 1
    assert result.stderr == service_urls.NO_DATABASE + "\n"
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert "DATABASE_URL" in result.stderr and "make run" in result.stderr
    assert checked.returncode == 0, checked.stderr  # commands that need no database still run


@pytest.mark.django_db
def test_a_url_in_the_environment_wins_over_a_running_embedded_server(tmp_path):
    _record_this_runs_servers(tmp_path)

    resolved = service_urls.resolve(
        {"DATABASE_URL": "postgresql://postgres@db.example:5432/shop"}, data_dir=tmp_path
    )

    assert resolved["DATABASE_URL"] == ("postgresql://postgres@db.example:5432/shop", "environment")
    assert resolved["REDIS_URL"] == (os.environ["REDIS_URL"], "embedded")


def test_devservices_records_the_redis_it_starts_and_forgets_it_when_it_stops(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(devservices, "DATA_DIR", tmp_path)

    url, stop = devservices.start_redis()
    try:
        running = service_urls.running_urls(data_dir=tmp_path)
    finally:
        assert stop is not None
        stop()

    assert running == {"REDIS_URL": url}
    assert service_urls.running_urls(data_dir=tmp_path) == {}
    assert "redis" not in (tmp_path / "services.json").read_text()


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]", '{"postgres": "x"}'])
def test_a_damaged_record_is_ignored(tmp_path, content):
    (tmp_path / "services.json").write_text(content)

    assert service_urls.running_urls(data_dir=tmp_path) == {}
