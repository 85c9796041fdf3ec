"""Log output: plain lines by default, JSON lines with ``LOG_FORMAT=json`` (issue #22).

structlog formats the standard library's records (every ``logging.getLogger(__name__)`` in the
project stays as it is) and adds what the request or task bound in context variables:
``request_id``, ``store`` (schema), ``user_id``, ``route``, ``task``. Never emails or card data:
the context holds ids only, and email-like text in a message is masked.
"""

import re
from collections.abc import MutableMapping
from typing import Any

import structlog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# The ``extra={...}`` keys the request and task lines pass (apps.observability.middleware and
# celery_signals); anything else given as ``extra`` stays out of the JSON.
EXTRA_KEYS = ("method", "route", "status", "duration_ms", "task", "task_id", "state")


def _mask_emails(
    logger: Any, name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    event = event_dict.get("event")
    if isinstance(event, str) and "@" in event:
        event_dict["event"] = _EMAIL.sub("[email]", event)
    return event_dict


def _add_store(
    logger: Any, name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The schema the process's connection is in when the line is written (the request's or
    task's store; ``public`` on the platform host)."""
    if "store" not in event_dict:
        from django.db import connection

        event_dict["store"] = getattr(connection, "schema_name", None)
    return event_dict


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    """The ``logging`` formatter of ``LOG_FORMAT=json`` (LOGGING in settings names it)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(allow=EXTRA_KEYS),
            _add_store,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _mask_emails,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )


def bind(**values: object) -> None:
    structlog.contextvars.bind_contextvars(**values)


def current(name: str) -> Any:
    return structlog.contextvars.get_contextvars().get(name)


def clear() -> None:
    structlog.contextvars.clear_contextvars()
