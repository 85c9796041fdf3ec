from apps.core.exceptions import DomainError


class ReviewError(DomainError):
    code = "review_error"


class ReviewAlreadyExists(ReviewError):
    code = "review_already_exists"
    http_status = 409


class ReviewNotAllowed(ReviewError):
    code = "review_not_allowed"
    http_status = 403


class VoteNotAllowed(ReviewError):
    code = "vote_not_allowed"
    http_status = 403


class ReviewRateLimited(ReviewError):
    code = "review_rate_limited"
    http_status = 429
