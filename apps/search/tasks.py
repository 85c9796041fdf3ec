"""Search indexing tasks: thin wrappers; each runs in the schema of the store that queued it."""

from celery import shared_task

from apps.search import services
from apps.search.backends import get_backend

RETRY = {"autoretry_for": (ConnectionError, TimeoutError), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def index_products_task(product_ids: list[int]) -> None:
    get_backend().index_products(product_ids)


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def remove_products_task(product_ids: list[int]) -> None:
    get_backend().remove_products(product_ids)


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def refresh_stock_flags_task(product_ids: list[int] | None = None) -> int:
    return services.refresh_stock_flags(product_ids=product_ids)


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def reindex_store_task() -> int:
    return services.reindex_store()
