"""The simulated clock of local mode: real time plus an offset kept in the database.

Advancing it replays the scheduler in steps: at each step the sweeps run and
the outbox is drained at that moment (as ``python app.py tick`` does), so the
check-ins and nudges of two weeks can be rehearsed in a minute, each
delivered in its recipient's working hours as it would have been.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.model import Platform
from bot.core.sweeps import run_sweeps
from bot.outbox.delivery import Sender
from bot.outbox.worker import OutboxWorker
from storage import local_chat
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.core.engine import Engine

MAX_ADVANCE = timedelta(days=31)
# Shorter than any working day (9:00-17:00), so every step of a jump lands in each
# person's working hours at least once: a message held for office hours goes out then.
STEP = timedelta(hours=4)
DRAIN_MAX_WAIT = 1.0  # seconds a clock click may wait for a retry that is almost due


class SimulatedClock:
    """Now, as the local chat's engine sees it."""

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self._lock = asyncio.Lock()
        self._replaying: datetime | None = None

    def now(self) -> datetime:
        """Real time moved by the offset."""
        return utcnow() + self.offset

    def stamp(self) -> datetime:
        """When a delivered message is dated: the step being replayed, else now."""
        return self._replaying or self.now()

    async def load(self, engine: Engine) -> None:
        """Read the offset saved by an earlier run."""
        async with engine.db.session() as session:
            self.offset = timedelta(seconds=await local_chat.clock_offset(session))

    async def advance(
        self, engine: Engine, by: timedelta, senders: Mapping[Platform, Sender]
    ) -> tuple[datetime, dict[str, int]]:
        """Move the clock forward and save it; replay sweeps and deliveries step by step."""
        async with self._lock:
            async with engine.db.session() as session:
                offset = timedelta(seconds=await local_chat.clock_offset(session)) + by
                await local_chat.set_clock_offset(session, offset.total_seconds())
            target = utcnow() + offset
            moment = target - by
            self.offset = offset
            worker = OutboxWorker(
                engine.db,
                senders,
                admins=engine.admins,
                default_locale=engine.settings.mentoring_default_locale,
            )
            counts: dict[str, int] = {}
            try:
                while True:
                    moment = min(moment + STEP, target)
                    self._replaying = moment
                    for name, n in (await run_sweeps(engine, moment)).items():
                        failed = -1 in (n, counts.get(name))
                        counts[name] = -1 if failed else counts.get(name, 0) + n
                    sent = await worker.drain(moment, max_wait=DRAIN_MAX_WAIT)
                    counts["outbox_sent"] = counts.get("outbox_sent", 0) + sent
                    if moment >= target:
                        break
            finally:
                self._replaying = None
        return target, counts
