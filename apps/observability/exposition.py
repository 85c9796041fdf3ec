"""What ``/metrics`` answers: the merged per-process values plus figures computed at scrape.

Multiprocess mode (prometheus_client's): each gunicorn worker and each Celery pool process
writes its values to memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR``. The web and the worker
each own a sub-directory of ``METRICS_DIR`` (``web/``, ``worker/``), wiped when that process
type starts (``config/gunicorn.py``, the Procfile's worker line), so one restart
never deletes the files of the other's live processes. A scrape merges every file under
``METRICS_DIR``: Celery's task series are served by the web's ``/metrics`` on the same host.

Without ``PROMETHEUS_MULTIPROC_DIR`` (``runserver``, tests) the process's own registry is served.
"""

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Callables run at each scrape, each yielding metric families (registered by the apps that own
# the data, from their AppConfig.ready(): the platform layer imports no domain app).
_scrape_collectors: list[Callable[[], Iterable[Metric]]] = []


def register_scrape_collector(collect: Callable[[], Iterable[Metric]]) -> None:
    """Run ``collect`` at every scrape of /metrics; keep it to a few indexed queries."""
    if collect not in _scrape_collectors:
        _scrape_collectors.append(collect)


def multiprocess_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def prepare_process_dir(path: str | os.PathLike[str]) -> None:
    """Empty (or create) one process type's metrics directory; call before its processes start."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)


class _MergedDirectories(Collector):
    """The values of every process under METRICS_DIR (the web's and the worker's files)."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def collect(self) -> Iterable[Metric]:
        files = [str(path) for path in sorted(self.base.glob("*/*.db"))]
        return MultiProcessCollector.merge(files, accumulate=True)


class _ScrapeTime(Collector):
    def collect(self) -> Iterator[Metric]:
        for collect in list(_scrape_collectors):
            try:
                yield from collect()
            except Exception:  # one failing figure must not hide every other series
                logger.exception("metrics collector %s failed", collect.__qualname__)
        yield _queue_length()


def _queue_length() -> Metric:
    """Messages waiting in the Celery queue (Redis broker: the list's length)."""
    family = GaugeMetricFamily(
        "mercato_celery_queue_length", "Messages waiting in the Celery queue.", labels=["queue"]
    )
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(broker, socket_timeout=1, socket_connect_timeout=1)
        try:
            family.add_metric([queue], client.llen(queue))
        except redis.RedisError:
            logger.warning("metrics: the broker did not answer LLEN %s", queue)
        finally:
            client.close()
    return family


def render() -> bytes:
    """The exposition text of this host's processes."""
    registry = CollectorRegistry()
    process_dir = multiprocess_dir()
    if process_dir is not None:
        # PROMETHEUS_MULTIPROC_DIR is METRICS_DIR/<process type>: merge every type's files.
        registry.register(_MergedDirectories(process_dir.parent))
        registry.register(_ScrapeTime())
        return generate_latest(registry)
    registry.register(_ScrapeTime())
    return generate_latest(REGISTRY) + generate_latest(registry)
