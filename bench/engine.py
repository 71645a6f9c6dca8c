"""Engine throughput and latency without HTTP: commands straight into ``Engine.handle``.

    .venv/bin/python bench/engine.py [--requests 2000] [--concurrency 32] [--people 200]

Prints, for ``help`` and ``status`` on a fresh SQLite file whose people are enrolled
two by two in active pairs (``bench/population.py``), requests per second and p50/p99
latency at the given concurrency. Each request has its own event id, as with Slack's
trigger ids; read-only commands remember those in memory and write nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app  # noqa: F401  (the composition root registers the features)
from adapters.settings import Settings
from app import settle_memory
from bench.population import populate
from bot.core.engine import Engine
from bot.core.model import Actor, Command, ConversationRef, Platform, UserRef
from storage.db import Database


async def run(command: str, requests: int, concurrency: int, people: int) -> str:
    """One scenario on a fresh database; its figures as a table row."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/bench.db")
        await db.migrate()
        engine = Engine(db, Settings(_env_file=None, mentoring_seed_programme=False))
        where = ConversationRef(Platform.SLACK, "T1", "C1")
        # People known already, enrolled and paired, as in a running programme.
        await populate(db, Platform.SLACK.value, "T1", {f"U{i}": "x" for i in range(people)})
        for i in range(people):
            await engine.handle(
                Command(Actor(UserRef(Platform.SLACK, "T1", f"U{i}"), "x"), where, "help")
            )
        settle_memory()  # as ``python app.py`` does before serving
        gate = asyncio.Semaphore(concurrency)
        latencies: list[float] = []

        async def one(i: int) -> None:
            async with gate:
                who = Actor(UserRef(Platform.SLACK, "T1", f"U{i % people}"), "x")
                started = time.perf_counter()
                answer = await engine.handle(Command(who, where, command, f"ev{i}"))
                latencies.append(time.perf_counter() - started)
                assert answer

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(requests)))
        elapsed = time.perf_counter() - started
        await db.close()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    return f"{command:<8} {requests:>6} {requests / elapsed:>8.0f} {p50:>8.2f} {p99:>8.2f}"


async def main() -> None:
    """Run both scenarios and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()
    print(f"engine only, SQLite, concurrency {args.concurrency}")
    print(f"{'command':<8} {'req':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for command in ("help", "status"):
        print(await run(command, args.requests, args.concurrency, args.people))


if __name__ == "__main__":
    asyncio.run(main())
