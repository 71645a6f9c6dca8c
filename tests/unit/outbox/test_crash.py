"""A worker killed with ``kill -9`` in the middle of a large fan-out loses no message.

A subprocess drains the outbox into the fake Slack Web API through the real
Slack sender; once a few hundred messages have arrived it is killed (SIGKILL).
After a restart (here: a worker whose wall clock says the dead worker's leases
have run out), every message has arrived, and the only duplicates are messages
that were in flight at the kill (claimed, maybe sent, not yet recorded).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import text
from sqlmodel import select

from adapters.slack.sender import SlackSender
from bot.core.model import Platform, UserRef
from bot.core.replies import text_message
from bot.core.serialize import to_data
from bot.outbox.rate_limits import PlatformLimits, Rate, RateLimiter
from bot.outbox.worker import OutboxWorker, RetryPolicy
from storage import outbox
from storage.db import Database
from storage.tables import OutboxMessage
from storage.types import utcnow
from testkit.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parents[3]
FAN_OUT = 600
KILL_AFTER = 150

WORKER = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from adapters.slack.sender import SlackSender
from bot.core.model import Platform
from bot.outbox.worker import OutboxWorker
from bot.outbox.rate_limits import PlatformLimits, Rate, RateLimiter
from slack_sdk.web.async_client import AsyncWebClient
from storage.db import Database
import aiohttp

async def main(url, schema, base_url, token):
    args = {"server_settings": {"search_path": schema}} if schema else None
    db = Database(url, connect_args=args)
    client = AsyncWebClient(token=token, base_url=base_url, session=aiohttp.ClientSession())
    fast = RateLimiter({Platform.SLACK: PlatformLimits(workspace=(Rate(5000, 100),))})
    worker = OutboxWorker(db, {Platform.SLACK: SlackSender(client, db)}, limiter=fast)
    await worker.drain()

asyncio.run(main(*sys.argv[2:]))
"""


async def _schema(db: Database) -> str:
    if db.is_sqlite:
        return ""
    async with db.engine.connect() as conn:
        return str((await conn.execute(text("SHOW search_path"))).scalar_one())


async def test_a_killed_worker_loses_nothing_and_resends_at_most_what_was_in_flight(
    db: Database,
) -> None:
    async with FakeSlackApi() as fake:
        async with db.session() as session:
            for n in range(FAN_OUT):
                user_id = f"U{n:05d}"
                fake.add_user(user_id, f"user{n}", f"User {n}")
                await outbox.enqueue(
                    session,
                    key=f"checkin:{n}:1:{n}",
                    platform="slack",
                    target=to_data(UserRef(Platform.SLACK, fake.team_id, user_id)),
                    payload=to_data(text_message(f"Check-in number {n}")),
                )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            str(ROOT),
            db.url,
            await _schema(db),
            fake.base_url,
            fake.token,
        )
        try:
            await fake.wait_for_calls("chat.postMessage", KILL_AFTER, timeout=60, only_ok=True)
        finally:
            process.kill()  # SIGKILL: no cleanup, no goodbye
            await process.wait()
        delivered_at_kill = len(fake.calls_to("chat.postMessage", only_ok=True))
        async with db.session() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        in_flight = sum(r.status == "sending" for r in rows)
        recorded = sum(r.status == "sent" for r in rows)
        assert 0 < recorded < FAN_OUT  # killed mid fan-out

        # The restart: a new worker, once the dead one's leases have run out.
        lease = RetryPolicy().lease
        fast = RateLimiter({Platform.SLACK: PlatformLimits(workspace=(Rate(5000, 100),))})
        async with aiohttp.ClientSession() as http:
            restarted = OutboxWorker(
                db,
                {Platform.SLACK: SlackSender(fake.web_client(session=http), db)},
                limiter=fast,
                wall=lambda: utcnow() + lease + timedelta(seconds=1),
            )
            await restarted.drain()

    posted = fake.messages_by_channel()
    texts = [m["text"] for messages in posted.values() for m in messages]
    lost = FAN_OUT - len(set(texts))
    duplicates = fake.duplicate_count()
    print(
        f"\n[crash] {FAN_OUT} messages, killed after {delivered_at_kill} deliveries "
        f"({recorded} recorded, {in_flight} claimed in flight): lost {lost}, "
        f"duplicates {duplicates}"
    )
    assert lost == 0
    assert duplicates <= in_flight
    async with db.session() as session:
        statuses = {r.status for r in (await session.exec(select(OutboxMessage))).all()}
    assert statuses == {"sent"}
