"""The scheduler, the outbox worker beside it, and ``python app.py tick``: how they are wired."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlmodel import select

import app
from adapters.settings import Settings
from app import Runtime
from bot.core.engine import Engine
from bot.core.model import Platform, UserRef
from bot.core.replies import text_message
from bot.core.serialize import to_data
from bot.outbox.scheduler import background_jobs, build_scheduler
from storage import outbox
from storage.db import Database
from storage.tables import CheckIn
from testkit.outbox import FakeSender
from tests.scenarios.test_checkins import day, start_programme


async def test_the_scheduler_sweeps_as_it_starts_then_wakes_the_outbox_worker(
    db: Database, settings: Settings
) -> None:
    world = await start_programme(db, settings)
    woken = asyncio.Event()
    scheduler = build_scheduler(world.engine, woken.set, clock=lambda: day(14, 14))
    scheduler.start()
    try:
        async with asyncio.timeout(10):
            await woken.wait()
    finally:
        scheduler.shutdown(wait=False)
    async with db.session() as session:
        [checkin] = (await session.exec(select(CheckIn))).all()
    assert checkin.cycle == 1


async def test_the_outbox_worker_sends_when_the_engine_queues_something(
    db: Database, settings: Settings
) -> None:
    sender = FakeSender()
    wake = asyncio.Event()
    runtime = Runtime(
        settings, db, Engine(db, settings, on_outbox=wake.set), senders={Platform.LOCAL: sender}
    )
    jobs = background_jobs(runtime.engine, runtime.senders, wake)
    tasks = [asyncio.create_task(job()) for job in jobs]
    try:
        async with db.session() as session:
            await outbox.enqueue(
                session,
                key="hello",
                platform="local",
                target=to_data(UserRef(Platform.LOCAL, "T1", "U1")),
                payload=to_data(text_message("Hello from the outbox")),
            )
        assert runtime.engine.on_outbox is not None
        runtime.engine.on_outbox()
        await sender.wait_for(1, timeout=10)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert sender.texts("U1") == ["Hello from the outbox"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_tick_sweeps_then_drains_through_the_adapters_senders(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await start_programme(db, settings)
    sender = FakeSender()

    def mount(_web_app: object, runtime: Runtime) -> None:
        runtime.senders[Platform.LOCAL] = sender

    monkeypatch.setattr(app, "_adapter_mounts", lambda: [mount])
    file_settings = settings.model_copy(update={"database_url": db.url})
    counts = await app.tick(file_settings, day(14, 14))
    assert counts["checkins"] == 1
    assert counts["outbox_sent"] == 2
    assert sorted(d.to for d in sender.delivered) == ["UALICE", "UBOB"]
