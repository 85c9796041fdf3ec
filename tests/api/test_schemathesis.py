"""Schemathesis, every check, over every operation of a real store's live schema.

A gunicorn serves a committed store; the ``st`` command line reads the schema that store
serves (``/api/v1/schema/``) and runs every check — status codes, content types and bodies as
the schema documents them, valid data accepted, invalid data rejected, authentication enforced
where declared, no server error — once with an API key holding every scope and once
anonymously. Settings (what no schema can say): ``tests/api/schemathesis.toml``.

The suite runs the fuzzing and stateful phases at a few examples per operation. The nightly
size adds the examples and coverage phases at 100 examples per operation::

    SCHEMATHESIS_MAX_EXAMPLES=100 SCHEMATHESIS_PHASES=examples,coverage,fuzzing,stateful \\
        python -m pytest tests/api/test_schemathesis.py -s
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from apps.api import services
from apps.api.models import SCOPES
from tests.factories.checkout import ShippingMethodFactory
from tests.live_server import running_web, server_env
from tests.shopping import stocked_variant

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "fuzzing,stateful")
ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def live_store_api(committed_store, tmp_path):
    stocked_variant(stock=500)
    ShippingMethodFactory()
    _, raw_key = services.create_api_key(name="schemathesis", scopes=SCOPES)
    env = server_env(
        # The rate limits have their own tests; here they would only turn the run's later
        # requests into (documented) 429s.
        API_RATE_PER_IP="100000/min",
        API_RATE_PER_KEY="100000/min",
        # Generated query strings can be long; gunicorn's own 414 page is not the API's.
        GUNICORN_CMD_ARGS="--limit-request-line 0",
    )
    with running_web(tmp_path / "web.log", workers=2, threads=4, env=env) as web:
        base_url = f"http://127.0.0.1:{web.port}/"  # the store is named by the Host header
        host = f"Host: {committed_store.primary_host}"
        # The first schema request builds it (seconds on a busy machine): not st's to wait for.
        requests.get(f"{base_url}api/v1/schema/", headers=dict([host.split(": ")]), timeout=120)
        yield base_url, host, raw_key


def start_schemathesis(base_url: str, *headers: str) -> subprocess.Popen:
    """Start ``st run`` with every check (read its outcome with ``outcome``)."""
    command = [
        str(ST), "--config-file", str(CONFIG), "run", f"{base_url}api/v1/schema/",
        "--checks", "all", "--phases", PHASES, "--max-examples", str(MAX_EXAMPLES),
        "--workers", "2", "--seed", "16", "--generation-database", "none", "--no-color",
        "--continue-on-failure", "--request-timeout", "60",
    ]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def outcome(run: subprocess.Popen, started: float, label: str) -> tuple[int, str]:
    output, _ = run.communicate(timeout=3600)
    cases = re.search(r"Test cases:\s*\n\s*(.+)", output)
    print(  # noqa: T201
        f"schemathesis {label} ({PHASES}, {MAX_EXAMPLES} examples per operation): "
        f"{cases.group(1) if cases else '?'}, {time.monotonic() - started:.0f} s"
    )
    return run.returncode, output


def test_schemathesis_finds_nothing_with_an_api_key_or_anonymously(live_store_api):
    base_url, host, raw_key = live_store_api

    started = time.monotonic()  # both passes at once: the server is mostly waited on
    key_run = start_schemathesis(base_url, host, f"Authorization: Bearer {raw_key}")
    anonymous_run = start_schemathesis(base_url, host)

    with_key, with_key_output = outcome(key_run, started, "with an API key")
    anonymous, anonymous_output = outcome(anonymous_run, started, "anonymously")

    assert with_key == 0, with_key_output[-10000:]
    assert anonymous == 0, anonymous_output[-10000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", with_key_output)
    assert selected and selected.group(1) == selected.group(2), "every operation is tested"
