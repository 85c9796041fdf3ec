from apps.core.exceptions import DomainError


class StoreNotFound(DomainError):
    code = "store_not_found"
    http_status = 404


class StoreMoving(DomainError):
    """The store is being switched to another pod: its writes are paused for a few seconds."""

    code = "store_moving"
    http_status = 503
    retry_after_seconds = 5

    def __init__(self, slug: str):
        super().__init__(
            f"Store “{slug}” is moving to another server; try again in a few seconds.",
            extra={"retry_after": self.retry_after_seconds},
        )
