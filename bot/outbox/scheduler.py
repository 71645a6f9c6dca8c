"""The scheduler: APScheduler fires periodic sweeps; the outbox worker runs beside it.

APScheduler (3.x ``AsyncIOScheduler``) keeps its jobs in memory only and owns
no state: each sweep asks the database what is due at ``now``, so any number
of instances may run it (APScheduler's docs forbid sharing a job *store*
between processes; we share none). The outbox worker is a long-running loop,
woken by the engine (``Engine(on_outbox=…)``) when a handler queues a message, by the sweeps,
and by a periodic poke in case a wake-up was missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.sweeps import run_sweeps
from bot.outbox.worker import OutboxWorker
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.core.engine import Engine
    from bot.core.model import Platform
    from bot.outbox.delivery import Sender

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60
OUTBOX_POKE_EVERY_S = 30


@dataclass
class Readiness:
    """Whether the background jobs are running (``GET /readyz`` reads it)."""

    scheduler: bool = False
    outbox_worker: bool = False


class RunningJobs:
    """The job runs under way, so that stopping can wait for them (APScheduler only cancels)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopped = False

    def track(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """``job``, recorded while it runs."""

        async def tracked() -> None:
            if self.stopped:
                return  # submitted just before the stop, started after it: the database is gone
            task = asyncio.current_task()
            if task is not None:
                self.tasks.add(task)
            try:
                await job()
            finally:
                if task is not None:
                    self.tasks.discard(task)

        return tracked

    async def stop(self) -> None:
        """Cancel the runs under way and wait until they have let go of the database."""
        self.stopped = True
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def build_scheduler(
    engine: Engine,
    wake_outbox: Callable[[], None],
    *,
    sweep_every: float = SWEEP_EVERY_S,
    poke_every: float = OUTBOX_POKE_EVERY_S,
    clock: Callable[[], datetime] = utcnow,
    running: RunningJobs | None = None,
) -> AsyncIOScheduler:
    """A scheduler with the sweep job (first run at once) and the outbox poke."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    running = running or RunningJobs()

    async def sweep_now() -> None:
        counts = await run_sweeps(engine, clock())
        busy = {name: n for name, n in counts.items() if n}
        if busy:
            log.info("sweeps: %s", " ".join(f"{k}={v}" for k, v in busy.items()))
        wake_outbox()

    async def poke_outbox() -> None:
        wake_outbox()

    # Coroutine jobs run on the event loop (plain functions would go to a thread pool).
    scheduler.add_job(
        running.track(sweep_now),
        "interval",
        seconds=sweep_every,
        id="sweeps",
        name="sweeps",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),  # at once (APScheduler's own clock: never a fake one)
    )
    scheduler.add_job(
        poke_outbox,
        "interval",
        seconds=poke_every,
        id="outbox",
        name="outbox poke",
        max_instances=1,
        coalesce=True,
    )
    return scheduler


def background_jobs(
    engine: Engine,
    senders: Mapping[Platform, Sender],
    wake: asyncio.Event,
    readiness: Readiness | None = None,
) -> list[Callable[[], Coroutine[Any, Any, None]]]:
    """The scheduler and the outbox worker, as jobs started with the server.

    ``wake`` is the event the engine sets when a handler queued a message
    (``Engine(on_outbox=wake.set)``); ``senders`` are the adapters' (they register
    them when they mount, before the server starts these jobs).
    """
    ready = readiness or Readiness()
    worker = OutboxWorker(
        engine.db,
        senders,
        admins=engine.admins,
        default_locale=engine.settings.mentoring_default_locale,
    )

    async def scheduler_job() -> None:
        # APScheduler logs every run at INFO (twice a minute here); our sweeps log what they did.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        running = RunningJobs()
        scheduler = build_scheduler(engine, wake.set, running=running)
        scheduler.start()
        ready.scheduler = True
        try:
            await asyncio.Event().wait()  # until the server stops and cancels us
        finally:
            ready.scheduler = False
            scheduler.shutdown(wait=False)
            await running.stop()

    async def outbox_job() -> None:
        ready.outbox_worker = True
        try:
            await worker.run(wake)
        finally:
            ready.outbox_worker = False

    return [scheduler_job, outbox_job]
