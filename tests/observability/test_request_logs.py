"""JSON logs: a request's id is in its log line and in the lines of the tasks it queued."""

import json
import time
import uuid
from decimal import Decimal

import requests

from tests.core.test_redis_outage import Shopper, _shop
from tests.factories.checkout import ShippingMethodFactory
from tests.live_server import free_port
from tests.observability import servers
from tests.shopping import stocked_variant


def _json_lines(path) -> list[dict]:
    lines = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_the_payment_request_id_follows_its_confirmation_email_task(committed_store, tmp_path):
    variant = stocked_variant(price="20.00", stock=5)
    method = ShippingMethodFactory(price=Decimal("5.00"))
    queue = f"test-logs-{uuid.uuid4().hex[:12]}"
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    port = free_port()
    json_logs = {"LOG_FORMAT": "json", "CELERY_TASK_DEFAULT_QUEUE": queue}
    web = servers.start_gunicorn(port=port, workers=1, log_path=web_log, **json_logs)
    worker = servers.start_worker(queue=queue, log_path=worker_log, LOG_FORMAT="json")
    try:
        shopper = Shopper(port, committed_store.primary_host)
        _shop(shopper, variant, method)
        given_id = "ops-trace-" + uuid.uuid4().hex[:12]
        echoed = requests.get(
            f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": given_id}, timeout=20
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(
                line.get("task", "").endswith("send_order_email_task")
                and line.get("state") == "SUCCESS"
                for line in _json_lines(worker_log)
            ):
                break
            time.sleep(0.5)
    finally:
        servers.stop(web)
        servers.stop(worker)

    web_lines = _json_lines(web_log)
    pay = [line for line in web_lines if line.get("route") == "payments:pay"]
    posted = next(line for line in pay if line["method"] == "POST")
    request_id = posted["request_id"]
    assert posted["status"] == 302
    assert posted["store"] == committed_store.schema_name
    assert posted["duration_ms"] > 0
    assert "@" not in json.dumps(web_lines)  # never an email address in a log line
    assert echoed.headers["X-Request-ID"] == given_id
    assert any(line.get("request_id") == given_id for line in web_lines)
    task_lines = [line for line in _json_lines(worker_log) if line.get("request_id") == request_id]
    finished = [line for line in task_lines if line.get("state") == "SUCCESS"]
    assert finished, worker_log.read_text()[-3000:]
    assert finished[0]["task"].endswith("send_order_email_task")
    assert finished[0]["store"] == committed_store.schema_name
    assert any("email sent" in line["event"] for line in task_lines)
