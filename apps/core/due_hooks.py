"""Where the core layer tells the due index that a store has work coming.

``apps.tenants.due`` owns the index, but the tenants app imports this app (the store cache),
so the outbox cannot import it back: the tenants app installs its marker here from its
``AppConfig.ready()``. Without one (a bare ``apps.core`` use) marks go nowhere.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

OUTBOX = "outbox"
# A message written is normally published right after its commit; the relay's visit scheduled
# with it is a safety net for a process that died in between.
OUTBOX_SAFETY_DELAY = timedelta(minutes=6)

_marker: Callable[[str, datetime], None] | None = None


def install(marker: Callable[[str, datetime], None]) -> None:
    global _marker
    _marker = marker


def mark_due(kind: str, at: datetime) -> None:
    if _marker is not None:
        _marker(kind, at)
