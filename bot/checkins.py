"""When check-ins are due, and when a message may reach someone (their working hours).

Pure functions of times and settings: the sweeps in ``bot/features/checkins.py``
ask the database what exists and use these to decide what is due at ``now``.

A pair is introduced at ``introduced_at``; check-in *cycle* ``k`` (1, 2, …) is
due ``k × cadence_days`` later, as long as that is before the pair's end,
``duration_days`` after the introduction. A message due outside the
recipient's working hours (default weekdays 09:00–17:00 in their time zone)
waits for the start of the next working period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

# How long a silent pair is left alone before a reminder, and between reminders.
NUDGE_AFTER = timedelta(days=3)
# Reminders per check-in before the admins are told instead.
MAX_NUDGES = 2
# An unfinished enrolment gets one reminder after this long.
ENROLMENT_REMINDER_AFTER = timedelta(days=2)


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


def cycle_due_at(introduced_at: datetime, cadence_days: int, cycle: int) -> datetime:
    """When check-in ``cycle`` of a pair introduced at ``introduced_at`` is due."""
    return introduced_at + timedelta(days=cadence_days * cycle)


def pair_end(introduced_at: datetime, duration_days: int) -> datetime:
    """When a pair's programme time is over and the wrap-up is due."""
    return introduced_at + timedelta(days=duration_days)


def current_cycle(
    introduced_at: datetime, cadence_days: int, duration_days: int, now: datetime
) -> int:
    """The latest check-in cycle due at ``now`` (0: none yet, or the pair's time is over)."""
    if cadence_days <= 0 or now < introduced_at or now >= pair_end(introduced_at, duration_days):
        return 0
    cycle = int((now - introduced_at) / timedelta(days=cadence_days))
    # The last cycle must fall before the end: a check-in on the last day is the wrap-up's job.
    while cycle > 0 and cycle_due_at(introduced_at, cadence_days, cycle) >= pair_end(
        introduced_at, duration_days
    ):
        cycle -= 1
    return cycle


def asked_since(introduced_at: datetime, cadence_days: int, cycle: int) -> datetime:
    """The start of the period a check-in asks about: the previous check-in, or the intro."""
    return cycle_due_at(introduced_at, cadence_days, cycle - 1)
