"""The storefront's background work: home pages rendered ahead of their visitors."""

from celery import shared_task

from apps.storefront import prerender


@shared_task(acks_late=True, ignore_result=True, writes_to_store=False)
def prerender_home_task() -> str:
    """Render the store's home page into the page cache (``apps.storefront.prerender``).

    Idempotent: a page already cached and current is a hit and nothing is written. It only
    reads the store: the request handling it goes through picks the store's pod itself.
    """
    return prerender.render_home()
