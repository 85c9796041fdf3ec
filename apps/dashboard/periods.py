"""Date windows in the store's own time zone: "today" starts at the store's local midnight."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


def store_zone(store) -> ZoneInfo:
    try:
        return ZoneInfo(store.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class Window:
    """The last ``days`` calendar days, today included, as [start, end) aware datetimes."""

    key: str
    label: str
    days: int
    start: datetime
    end: datetime


def windows(zone: ZoneInfo, *, now: datetime | None = None) -> list[Window]:
    today = timezone.localtime(now or timezone.now(), zone).date()
    end = local_midnight(today + timedelta(days=1), zone)
    return [
        Window(key, label, days, local_midnight(today - timedelta(days=days - 1), zone), end)
        for key, label, days in (("today", "Today", 1), ("d7", "7 days", 7), ("d30", "30 days", 30))
    ]


@dataclass(frozen=True)
class DateRange:
    """A report's range of whole local days, ``first`` to ``last`` inclusive."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def default_range(zone: ZoneInfo, *, days: int = 30, now: datetime | None = None) -> DateRange:
    today = timezone.localtime(now or timezone.now(), zone).date()
    return DateRange(today - timedelta(days=days - 1), today, zone)
