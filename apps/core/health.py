"""Readiness probes for load balancers: which backing service, if any, is unreachable."""

from django.core.cache import cache

from apps.core import sql


def check_postgresql() -> None:
    sql.ping()


def check_redis() -> None:
    cache.client.get_client(write=True).ping()


CHECKS = {"postgresql": check_postgresql, "redis": check_redis}


def failing_services() -> dict[str, str]:
    failures = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure of a probe means "not ready"
            failures[name] = f"{type(exc).__name__}: {exc}"[:300]
    return failures
