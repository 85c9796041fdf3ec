from apps.core.exceptions import DomainError


class ContactRateLimited(DomainError):
    code = "contact_rate_limited"
    http_status = 429
