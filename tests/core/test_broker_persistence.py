"""The embedded Redis is the Celery broker of `make run`: queued tasks survive its restart and
its crash (issue #16: it was started with no save point at all, `CONFIG GET save` → "")."""

import json
import time
import uuid

import redis

from apps.core.tasks import report_schema_task
from config import devservices
from tests.celery_worker import PrivateRedis, broker_at


def test_the_embedded_redis_starts_with_a_save_point_and_an_append_only_file(tmp_path, monkeypatch):
    monkeypatch.setattr(devservices, "DATA_DIR", tmp_path)

    url, stop = devservices.start_redis()
    try:
        client = redis.Redis.from_url(url)
        config = {**client.config_get("save"), **client.config_get("appendonly")}
    finally:
        assert stop is not None
        stop()

    assert config == {"save": "60 1", "appendonly": "yes"}


def test_a_queued_task_survives_a_crash_and_restart_of_the_broker(tmp_path):
    queue = f"test-persist-{uuid.uuid4().hex[:8]}"
    broker = PrivateRedis(tmp_path / "redis")
    try:
        with broker_at(broker.url):
            report_schema_task.apply_async(args=["kept"], queue=queue)
        time.sleep(1.5)  # appendfsync everysec: a crash loses at most the last second
        broker.kill()
        broker.start()
        queued = broker.client().lrange(queue, 0, -1)
    finally:
        broker.stop()

    [message] = queued
    assert json.loads(message)["headers"]["task"] == report_schema_task.name
