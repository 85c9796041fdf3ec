"""Who is looking: a signed-in customer, or an anonymous visitor known by a first-party cookie.

Two host-only cookies, both written by ``VisitorCookiesMiddleware`` and only when a product page
asked for it: ``mvid`` (a random visitor id, so anonymous views form sessions) and ``mrv`` (the
ids of recently viewed products, newest first — the recently-viewed strip needs no storage on
the server at all).
"""

import re
import uuid
from dataclasses import dataclass, field

VISITOR_COOKIE = "mvid"
RECENT_COOKIE = "mrv"
VISITOR_COOKIE_AGE = 60 * 60 * 24 * 365
RECENT_COOKIE_AGE = 60 * 60 * 24 * 30
RECENT_MAX = 12
_VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Visitor:
    key: str  # "u:<user id>" or "v:<visitor id>": the key signals are stored under
    user_id: int | None
    recent_ids: list[int] = field(default_factory=list)


def parse_recent(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.split(".")[:RECENT_MAX]:
        if part.isdigit() and len(part) < 12 and int(part) not in ids:
            ids.append(int(part))
    return ids


def get_visitor(request, *, create: bool = False) -> Visitor:
    """The visitor of this request; ``create`` gives a new anonymous visitor a cookie id."""
    visitor = getattr(request, "_recs_visitor", None)
    if visitor is not None and (not create or visitor.key):
        return visitor
    user = getattr(request, "user", None)
    user_id = user.id if user is not None and user.is_authenticated else None
    visitor_id = request.COOKIES.get(VISITOR_COOKIE, "")
    if not _VISITOR_ID.match(visitor_id):
        visitor_id = ""
        if create and user_id is None:
            visitor_id = uuid.uuid4().hex
            request._recs_new_visitor_id = visitor_id
    if user_id is not None:
        key = f"u:{user_id}"
    else:
        key = f"v:{visitor_id}" if visitor_id else ""
    visitor = Visitor(
        key=key, user_id=user_id, recent_ids=parse_recent(request.COOKIES.get(RECENT_COOKIE, ""))
    )
    request._recs_visitor = visitor
    return visitor


def remember_recently_viewed(request, product_id: int) -> None:
    """Put ``product_id`` first in the recently-viewed cookie (written on the way out)."""
    recent = get_visitor(request).recent_ids
    request._recs_recent_ids = [product_id, *(i for i in recent if i != product_id)][:RECENT_MAX]
