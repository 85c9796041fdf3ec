"""Run code at the same moment in several threads, each on its own database connection."""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

from apps.tenants.models import Store


def run_concurrently(
    func: Callable[..., Any], calls: Sequence[tuple], *, store: Store, timeout: float = 60
) -> list[Any]:
    """Call ``func(*args)`` for each args tuple, all threads released together.

    Each thread opens its own connection, set to ``store``'s schema, and closes it at the end.
    Returns one entry per call, in order: the return value, or the exception it raised.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, args: tuple) -> None:
        try:
            connection.set_tenant(store)
            barrier.wait(timeout=timeout)
            results[index] = func(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test to assert on
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(i, args), daemon=True) for i, args in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError("a concurrent call did not finish in time")
    return results
