"""Benchmark: a large check-in fan-out through the outbox to a rate-limited fake Slack.

Usage::

    .venv/bin/python bench/fanout.py                         # 10,000 check-ins, cap 20/s (~8 min)
    .venv/bin/python bench/fanout.py --count 2000 --cap 20
    .venv/bin/python bench/fanout.py --count 10000 --cap 200 --sender lean
    .venv/bin/python bench/fanout.py --database postgresql://postgres@127.0.0.1:55433/db

``count / 2`` pairs, introduced 14 days ago, are swept (``run_sweeps``): that
writes ``count`` due check-ins to the outbox. Then one ``OutboxWorker`` drains
them into ``FakeSlackApi`` (testkit/slack_api.py), served from a child
process (so the two do not share a CPU), which enforces 1 message/s per channel
and a workspace-wide cap (``--cap``), and answers 429 to a share of the calls
(``--inject-429``) on top of its own rate-limit 429s.

``--sender slack`` (default) sends through the Slack adapter's ``SlackSender``.
By default no DM channel is known (a first contact for everyone, as on a first
check-in round; the fake enforces Slack's method tiers, conversations.open at 50 a
minute); ``--known-dms`` fills the bot's DM channel cache beforehand;
``--sender lean`` through a bench-local sender that posts with the same Web API
client and Block Kit translation but no per-message database lookups, to see
how far the worker itself goes.

Printed: total time against the time the cap allows (goal: ≥ 0.9 of the cap),
duplicates (goal 0), lost (goal 0), 429 answers, and the worker process's peak
memory (the fake's is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import insert, text

import app  # noqa: F401  (the composition root registers the features)
from adapters.settings import Settings
from adapters.slack.sender import SLACK_CAPABILITIES, SlackSender
from adapters.slack.webapi import post_message
from bot.core.engine import Engine
from bot.core.model import ConversationRef, Message, Platform, UserRef
from bot.core.settings import to_async_url
from bot.core.sweeps import run_sweeps
from bot.outbox.rate_limits import PlatformLimits, Rate, RateLimiter
from bot.outbox.worker import OutboxWorker
from storage.db import Database
from storage.tables import ChannelRef, Enrolment, Pair, Person, Programme
from testkit.slack_api import FakeSlackApi

TEAM = "T0001"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC: everyone at work


def user_id(n: int) -> str:
    return f"U{n:06d}"


# --- The fake Slack, in its own process ----------------------------------------------------


def fake_slack(
    conn: Connection, people: int, cap: float, per_channel: float, inject: float
) -> None:
    """Serve FakeSlackApi until asked for the report."""
    asyncio.run(_serve_fake(conn, people, cap, per_channel, inject))


async def _serve_fake(
    conn: Connection, people: int, cap: float, per_channel: float, inject: float
) -> None:
    fake = FakeSlackApi(team_id=TEAM)
    for n in range(people):
        fake.add_user(user_id(n), f"user{n}", f"User {n}", tz="UTC", locale="en-US")
        fake.add_dm(user_id(n))
    fake.enforce_rate_limits(per_channel_per_s=per_channel, workspace_per_s=cap)
    if inject > 0:
        fake.fail_ratio("chat.postMessage", inject, status=429, retry_after=1, seed=7)
    await fake.start()
    conn.send(fake.base_url)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "report, please"
    posts = fake.calls_to("chat.postMessage")
    ok = [c for c in posts if c.ok]
    conn.send(
        {
            "ok": len(ok),
            "answered_429": sum(c.status == 429 for c in posts),
            "answered_5xx": sum(c.status >= 500 for c in posts),
            "channels": len(fake.messages_by_channel()),
            "duplicates": fake.duplicate_count(),
            "span": (max(c.at for c in ok) - min(c.at for c in ok)) if ok else 0.0,
        }
    )
    await fake.stop()


# --- The bot's side -------------------------------------------------------------------------


class LeanSlackSender:
    """Posts like ``SlackSender`` (same client, same Block Kit), without database lookups."""

    platform = Platform.SLACK
    capabilities = SLACK_CAPABILITIES

    def __init__(self, client: Any, channels: dict[str, str]) -> None:
        self.client = client
        self.channels = channels

    async def send_direct(self, user: UserRef, message: Message) -> str:
        channel, ts = await post_message(self.client, self.channels[user.user_id], message, "…")
        return f"{channel}:{ts}"

    async def send_group(self, users: list[UserRef], message: Message) -> str:
        raise NotImplementedError

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        raise NotImplementedError


async def open_database(url: str | None) -> tuple[Database, str | None]:
    if url is None:
        path = Path(tempfile.mkdtemp()) / "fanout.db"
        return Database(f"sqlite+aiosqlite:///{path}"), None
    url = to_async_url(url)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = Database(url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.close()
    return Database(url, connect_args={"server_settings": {"search_path": schema}}), schema


async def drop_schema(url: str, schema: str) -> None:
    admin = Database(to_async_url(url))
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.close()


async def populate(db: Database, people: int, dm_ids: dict[str, str]) -> None:
    """``people`` Slack people in ``people / 2`` active pairs introduced 14 days ago; the DM
    channels in ``dm_ids`` are known to the bot already (none: a first contact for all)."""
    created = NOW - timedelta(days=30)
    async with db.session() as session:
        programme = Programme(name="Bench", cadence_days=14, duration_days=180)
        session.add(programme)
        await session.flush()
        conn = await session.connection()
        await conn.execute(
            insert(Person.__table__),  # type: ignore[attr-defined]
            [
                {
                    "platform": "slack",
                    "workspace": TEAM,
                    "user_id": user_id(n),
                    "display_name": f"User {n}",
                    "locale": "en",
                    "locale_chosen": False,
                    "timezone": "UTC",
                    "reachable": True,
                    "created_at": created,
                }
                for n in range(people)
            ],
        )
        rows = (await conn.execute(text("SELECT user_id, id FROM person"))).all()
        ids: dict[str, int] = {str(u): int(i) for u, i in rows}
        if dm_ids:
            await conn.execute(
                insert(ChannelRef.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "person_id": ids[u],
                        "purpose": "dm",
                        "channel_id": dm_ids[u],
                        "reference": {},
                        "updated_at": created,
                    }
                    for u in ids
                ],
            )
        await conn.execute(
            insert(Enrolment.__table__),  # type: ignore[attr-defined]
            [
                {
                    "person_id": ids[user_id(n)],
                    "programme_id": programme.id,
                    "role": "mentor" if n % 2 == 0 else "mentee",
                    "topics_share": [],
                    "topics_learn": [],
                    "goals": "",
                    "seniority": 1,
                    "department": "",
                    "languages": [],
                    "frequency": "biweekly",
                    "capacity": 1,
                    "self_description_consent": False,
                    "status": "active",
                    "created_at": created,
                    "updated_at": created,
                }
                for n in range(people)
            ],
        )
        await conn.execute(
            insert(Pair.__table__),  # type: ignore[attr-defined]
            [
                {
                    "programme_id": programme.id,
                    "mentor_id": ids[user_id(2 * n)],
                    "mentee_id": ids[user_id(2 * n + 1)],
                    "score": 0.0,
                    "reasons": [],
                    "status": "active",
                    "created_at": created,
                    "introduced_at": NOW - timedelta(days=14, minutes=5),
                }
                for n in range(people // 2)
            ],
        )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    people = args.count
    db, schema = await open_database(args.database)
    await db.migrate()
    namer = FakeSlackApi(team_id=TEAM)  # only to compute the fake's DM channel ids
    dm_ids = {user_id(n): namer.dm_channel_id(user_id(n)) for n in range(people)}
    started = time.perf_counter()
    await populate(db, people, dm_ids if args.known_dms else {})
    populated = time.perf_counter() - started

    settings = Settings(_env_file=None, mentoring_seed_programme=False)
    engine = Engine(db, settings, clock=lambda: NOW)
    started = time.perf_counter()
    swept = (await run_sweeps(engine, NOW))["checkins"]
    sweep_time = time.perf_counter() - started

    rss_before = peak_rss_mb()
    limits = {
        Platform.SLACK: PlatformLimits(
            workspace=(Rate(args.cap * args.client_share, args.cap * args.client_burst),),
            conversation=(Rate(args.per_channel, 1),),
        )
    }
    async with aiohttp.ClientSession() as http:
        from slack_sdk.web.async_client import AsyncWebClient

        client = AsyncWebClient(token="xoxb-test-token", base_url=base_url, session=http)
        sender: Any
        if args.sender == "lean":
            sender = LeanSlackSender(client, dm_ids)
        else:
            sender = SlackSender(client, db, TEAM)
        worker = OutboxWorker(
            db,
            {Platform.SLACK: sender},
            limiter=RateLimiter(limits),
            window=args.window,
            concurrency=args.concurrency,
        )
        started = time.perf_counter()
        sent = await worker.drain(NOW, max_wait=3600)
        drain_time = time.perf_counter() - started
    await db.close()
    if schema and args.database:
        await drop_schema(args.database, schema)
    return {
        "populated": populated,
        "swept": swept,
        "sweep_time": sweep_time,
        "sent": sent,
        "drain_time": drain_time,
        "rss_before": rss_before,
        "rss_peak": peak_rss_mb(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=10_000, help="due check-ins (even)")
    p.add_argument("--cap", type=float, default=20.0, help="workspace cap, messages/s")
    p.add_argument("--per-channel", type=float, default=1.0, help="per-channel limit, msg/s")
    p.add_argument("--inject-429", type=float, default=0.005, help="share of calls answered 429")
    p.add_argument("--client-share", type=float, default=0.98, help="client rate / cap")
    p.add_argument(
        "--client-burst", type=float, default=0.9, help="client burst / the fake's (1 s of cap)"
    )
    p.add_argument("--sender", choices=("slack", "lean"), default="slack")
    p.add_argument(
        "--known-dms",
        action="store_true",
        help="the bot knows every DM channel beforehand (default: a first contact for everyone)",
    )
    p.add_argument("--window", type=int, default=128, help="rows claimed at once")
    p.add_argument("--concurrency", type=int, default=16, help="sends under way at once")
    p.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite file)")
    args = p.parse_args()
    args.count -= args.count % 2

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    fake = ctx.Process(
        target=fake_slack, args=(child, args.count, args.cap, args.per_channel, args.inject_429)
    )
    fake.start()
    try:
        base_url = parent.recv()
        result = asyncio.run(run(args, base_url))
        parent.send("report")
        report = parent.recv()
    finally:
        fake.join(timeout=30)
        if fake.is_alive():
            fake.kill()

    ideal = args.count / args.cap
    rate = args.count / result["drain_time"]
    lost = args.count - report["channels"]
    db_name = "PostgreSQL" if args.database else "SQLite"
    print(
        f"fan-out: {args.count} check-ins ({args.count // 2} pairs), "
        f"sender={args.sender}, {db_name}, "
        f"{'DM channels known' if args.known_dms else 'first contact (no DM channel known)'}"
    )
    print(
        f"fake Slack: {args.per_channel:g} msg/s per channel, workspace cap {args.cap:g}/s, "
        f"{args.inject_429:.1%} of calls answered 429 on purpose"
    )
    print(
        f"setup: {result['populated']:.1f} s; sweep opened {result['swept']} pairs' check-ins "
        f"in {result['sweep_time']:.1f} s"
    )
    print(
        f"delivery: {result['drain_time']:.1f} s for {result['sent']} (ideal at the cap "
        f"{ideal:.1f} s): {rate:.1f} msg/s = {rate / args.cap:.3f} of the cap "
        f"(fake's first-to-last accepted post: {report['span']:.1f} s)"
    )
    print(
        f"duplicates: {report['duplicates']}, lost: {lost}, 429 answers: "
        f"{report['answered_429']}, 5xx: {report['answered_5xx']}"
    )
    print(
        f"worker peak RSS: {result['rss_peak']:.0f} MB "
        f"({result['rss_peak'] - result['rss_before']:+.0f} MB during the delivery)"
    )


if __name__ == "__main__":
    main()
