"""gunicorn settings (Procfile ``web``; ``gunicorn -c config/gunicorn.py config.wsgi``).

Prometheus multiprocess mode (issue #22): every worker writes its metric values to files in
``$METRICS_DIR/web`` (``PROMETHEUS_MULTIPROC_DIR``, set here before any worker imports
prometheus_client), emptied when the server starts; a worker that exits has its live gauges
dropped (``child_exit``). ``METRICS_ENABLED=0`` turns all of it off.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = 10
# The JSON request line (LOG_FORMAT=json) replaces gunicorn's plain access log.
accesslog = None if os.environ.get("LOG_FORMAT") == "json" else "-"

METRICS_ON = os.environ.get("METRICS_ENABLED", "1").lower() in {"1", "true", "yes", "on"}
if METRICS_ON and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(
        os.environ.get("METRICS_DIR", "/tmp/mercato-metrics"), "web"
    )


def on_starting(server):
    """Empty the web's metrics directory: files of a previous run describe dead processes."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.unlink(os.path.join(directory, name))


def child_exit(server, worker):
    """A worker died or was replaced: drop its live gauges (counters keep their totals)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
