"""When a message may reach someone: their working hours in their own time zone.

The outbox holds a message due outside the recipient's working hours (default
weekdays 09:00–17:00 local) until the next working period starts; the check-in
sweeps use the same maths to find a person's local day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkingHours:
    """When messages may arrive: ``start``–``end`` local time on ``weekdays`` (Monday is 0)."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset(range(5))


DEFAULT_HOURS = WorkingHours()


@cache
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``, or UTC when it is unknown (logged once per name)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: using UTC", (name or "")[:64])
        return ZoneInfo("UTC")


def next_working_time(
    moment: datetime, timezone: str | None, hours: WorkingHours = DEFAULT_HOURS
) -> datetime:
    """``moment`` if in working hours in ``timezone``, else when they next start (in UTC)."""
    tz = zone(timezone)
    local = moment.astimezone(tz)
    day = local.date()
    for _ in range(8):  # a week always holds a working day (unless none is configured)
        if day.weekday() in hours.weekdays:
            start = datetime.combine(day, hours.start, tzinfo=tz)
            end = datetime.combine(day, hours.end, tzinfo=tz)
            if local < start:
                return start.astimezone(UTC)
            if local < end:
                return moment.astimezone(UTC)
        day += timedelta(days=1)
        local = datetime.combine(day, time(0, 0), tzinfo=tz)
    return moment.astimezone(UTC)


def local_date(moment: datetime, timezone: str | None) -> date:
    """The calendar date of ``moment`` where the person lives."""
    return moment.astimezone(zone(timezone)).date()


def start_of_day_after(day: date, timezone: str | None) -> datetime:
    """Midnight at the start of the day after ``day``, in ``timezone`` (as UTC)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone(timezone)).astimezone(
        UTC
    )
