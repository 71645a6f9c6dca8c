"""When check-ins are due: cycles, reminders and the end of a pair's time.

Pure functions of times and settings: the sweeps in ``bot/checkins/handlers.py``
ask the database what exists and use these to decide what is due at ``now``.
Working hours (when a message may arrive) are the outbox's: ``bot/outbox/working_hours.py``.

A pair is introduced at ``introduced_at``; check-in *cycle* ``k`` (1, 2, …) is
due ``k × cadence_days`` later, as long as that is before the pair's end,
``duration_days`` after the introduction. A message due outside the
recipient's working hours waits for the start of the next working period.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# How long a silent pair is left alone before a reminder, and between reminders.
NUDGE_AFTER = timedelta(days=3)
# Reminders per check-in before the admins are told instead.
MAX_NUDGES = 2
# An unfinished enrolment gets one reminder after this long.
ENROLMENT_REMINDER_AFTER = timedelta(days=2)


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
