"""Periodic sweeps: each asks the database what is due at ``now``. No state in memory.

The scheduler (APScheduler) and ``python app.py tick`` both call ``run_sweeps``;
any number of instances may sweep the same database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.metrics import SWEEP_SECONDS
from storage.events import forget_events_before

if TYPE_CHECKING:
    from bot.core.engine import Engine

log = logging.getLogger(__name__)

Sweep = Callable[["Engine", datetime], Awaitable[int]]
SWEEPS: dict[str, Sweep] = {}

# Slack retries for a few minutes and Teams for less; a day is a comfortable margin.
EVENT_ID_RETENTION = timedelta(days=1)


def sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Register a sweep under a name (the name appears in ``tick``'s output)."""

    def register(fn: Sweep) -> Sweep:
        SWEEPS[name] = fn
        return fn

    return register


@sweep("forgotten_event_ids")
async def forget_old_event_ids(engine: Engine, now: datetime) -> int:
    """Drop inbound event ids older than any platform retry."""
    async with engine.db.session() as session:
        return await forget_events_before(session, now - EVENT_ID_RETENTION)


async def run_sweeps(engine: Engine, now: datetime) -> dict[str, int]:
    """Run every sweep once; how many items each handled. A failing sweep does not stop others."""
    counts: dict[str, int] = {}
    for name, fn in SWEEPS.items():
        try:
            with SWEEP_SECONDS.labels(name).time():
                counts[name] = await fn(engine, now)
        except Exception:
            log.exception("sweep %s failed", name)
            counts[name] = -1
    return counts
