"""Catalog tasks: thin wrappers; each runs in the schema of the store that queued it."""

from celery import shared_task

from apps.catalog import thumbnails


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)  # fmt: skip
def make_thumbnails_task(image_id: int) -> None:
    thumbnails.make_thumbnails(image_id=image_id)
