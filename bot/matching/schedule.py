"""When a programme's next matching round is due, from its ``match_schedule``.

Two spellings: ``every N days`` / ``every N weeks`` (counted from the last
round), or a 5-field cron expression in UTC (``0 9 * * mon``), read with
APScheduler's ``CronTrigger.from_crontab``. The schedule is only a rule: the
database says when the last round ran, so any number of instances agree.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

_EVERY = re.compile(r"^\s*every\s+(\d{1,3})\s*(d|days?|w|weeks?)\s*$", re.IGNORECASE)
_TICK = timedelta(microseconds=1)


class ScheduleError(ValueError):
    """The schedule is neither ``every N days|weeks`` nor a 5-field cron expression."""


def next_round_after(schedule: str, last: datetime) -> datetime:
    """The first time strictly after ``last`` when the schedule fires."""
    every = _EVERY.match(schedule)
    if every:
        count = int(every.group(1))
        if count < 1:
            raise ScheduleError(f"{schedule!r}: the interval must be at least 1")
        unit = every.group(2).lower()
        return last + (timedelta(weeks=count) if unit.startswith("w") else timedelta(days=count))
    try:
        trigger = CronTrigger.from_crontab(schedule.strip(), timezone=UTC)
    except (ValueError, KeyError) as exc:
        raise ScheduleError(f"{schedule!r}: {exc}") from None
    fire: datetime | None = trigger.get_next_fire_time(None, last.astimezone(UTC) + _TICK)
    if fire is None:
        raise ScheduleError(f"{schedule!r} never fires")
    return fire.astimezone(UTC)


def round_due(schedule: str, last: datetime, now: datetime) -> bool:
    """True when the schedule fired after ``last`` and at or before ``now``."""
    return next_round_after(schedule, last) <= now
