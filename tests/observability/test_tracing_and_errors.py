"""Opt-in tracing (OpenTelemetry) and error reports (Sentry), each in a fresh process, since
both are configured once per process from the environment."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from django.conf import settings

REQUEST = """
import django
django.setup()
from django.test import Client
{prepare}
answer = Client(raise_request_exception=False).get(
    "{path}", HTTP_X_REQUEST_ID="trace-me-0123456789", HTTP_AUTHORIZATION="Bearer secret-token",
    HTTP_COOKIE="sessionid=secret-session",
)
print("STATUS", answer.status_code, flush=True)
{after}
"""


def _run(script: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    for name in ("OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "SENTRY_DSN"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", script], env=environment, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_request_produces_a_span_with_the_console_exporter():
    script = REQUEST.format(prepare="", path="/healthz", after="")

    done = _run(script, OTEL_SERVICE_NAME="mercato-web", OTEL_TRACES_EXPORTER="console")

    assert "STATUS 200" in done.stdout, done.stderr
    span = json.loads(done.stdout[done.stdout.index("{") : done.stdout.rindex("}") + 1])
    assert span["kind"] == "SpanKind.SERVER"
    assert span["attributes"]["http.method"] == "GET"
    assert span["resource"]["attributes"]["service.name"] == "mercato-web"


def test_without_otel_variables_no_span_is_made():
    done = _run(REQUEST.format(prepare="", path="/healthz", after=""))

    assert "STATUS 200" in done.stdout, done.stderr
    assert "SpanKind" not in done.stdout


class _Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_error_reaches_sentry_with_store_and_request_id_tags_and_no_secrets():
    server = HTTPServer(("127.0.0.1", 0), _Envelopes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    failing = (
        "from apps.core import health\n"
        "def broken():\n"
        "    raise RuntimeError('readiness probe exploded')\n"
        "health.failing_services = broken\n"
    )
    script = REQUEST.format(
        prepare=failing, path="/readyz", after="import sentry_sdk; sentry_sdk.flush(5)"
    )
    try:
        done = _run(script, SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/1")
    finally:
        server.shutdown()

    assert "STATUS 500" in done.stdout, done.stderr
    events = [
        json.loads(line)
        for envelope in _Envelopes.received
        for line in envelope.splitlines()
        if b'"exception"' in line
    ]
    assert events, _Envelopes.received
    event = events[0]
    assert event["tags"]["request_id"] == "trace-me-0123456789"
    assert event["tags"]["store"] == "public"
    assert event["exception"]["values"][0]["value"] == "readiness probe exploded"
    sent = b"".join(_Envelopes.received)
    assert b"secret-token" not in sent
    assert b"secret-session" not in sent
