from celery import shared_task

from apps.reviews import services


@shared_task(acks_late=True)
def repair_rating_aggregates_task() -> int:
    """Recompute every product's rating aggregate in the caller's store schema."""
    return services.repair_rating_aggregates()
