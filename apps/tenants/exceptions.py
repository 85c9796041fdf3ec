from apps.core.exceptions import DomainError


class StoreNotFound(DomainError):
    code = "store_not_found"
    http_status = 404
