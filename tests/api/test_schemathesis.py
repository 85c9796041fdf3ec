"""Schemathesis, every check, over every operation of a real store's live schema.

A gunicorn serves a committed store; the ``st`` command line reads the schema the store
serves (``/api/v1/schema/``) and runs all its phases (examples, coverage, fuzzing, stateful)
with every check — status codes and content types in the schema, response bodies, valid
data accepted, invalid data rejected, auth enforced where declared — once with an API key
holding every scope and once anonymously. CI runs a few examples per operation; the nightly
size: ``SCHEMATHESIS_MAX_EXAMPLES=100 python -m pytest tests/api/test_schemathesis.py -s``.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.api import services
from apps.api.models import SCOPES
from tests.factories.checkout import ShippingMethodFactory
from tests.live_server import running_web, server_env
from tests.shopping import stocked_variant

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
ST = Path(sys.executable).with_name("st")


@pytest.fixture
def live_store_api(committed_store, tmp_path):
    stocked_variant(stock=500)
    ShippingMethodFactory()
    _, raw_key = services.create_api_key(name="schemathesis", scopes=SCOPES)
    # The rate limits are the subject of their own tests; here they would only turn the
    # run's later requests into (documented) 429s.
    env = server_env(API_RATE_PER_IP="100000/min", API_RATE_PER_KEY="100000/min")
    with running_web(tmp_path / "web.log", workers=2, threads=4, env=env) as web:
        # Straight to the loopback address, the store named in the Host header.
        base_url = f"http://127.0.0.1:{web.port}/"
        yield base_url, f"Host: {committed_store.primary_host}", raw_key, tmp_path


def run_schemathesis(base_url: str, report: Path, *headers: str) -> dict:
    """Run ``st run`` with every check; return its JSON report."""
    command = [
        str(ST), "run", f"{base_url}api/v1/schema/", "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES), "--workers", "2", "--seed", "16",
        "--generation-database", "none", "--no-color", "--continue-on-failure",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    started = time.monotonic()
    finished = subprocess.run(command, capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - started
    print(finished.stdout[-6000:], f"\n({elapsed:.1f} s)")  # noqa: T201
    assert report.exists(), finished.stdout[-4000:] + finished.stderr[-4000:]
    result = json.loads(report.read_text())
    result["returncode"], result["output"] = finished.returncode, finished.stdout
    return result


def test_schemathesis_finds_nothing_with_an_api_key_or_anonymously(live_store_api):
    base_url, host, raw_key, tmp_path = live_store_api

    with_key = run_schemathesis(
        base_url, tmp_path / "key.json", host, f"Authorization: Bearer {raw_key}"
    )
    anonymous = run_schemathesis(base_url, tmp_path / "anonymous.json", host)

    assert with_key["returncode"] == 0, with_key["output"][-8000:]
    assert anonymous["returncode"] == 0, anonymous["output"][-8000:]
