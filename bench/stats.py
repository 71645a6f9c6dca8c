"""Benchmark of ``/mentoring stats`` on a large, generated (seeded) database.

Usage::

    .venv/bin/python bench/stats.py                       # SQLite only
    .venv/bin/python bench/stats.py --postgres postgresql://postgres@127.0.0.1:55433/mentoring_test
    BENCH_POSTGRES_URL=postgresql://... .venv/bin/python bench/stats.py

It writes 10,000 people and enrolments, 5,000 pairs, 60,000 check-ins and
100,000 anonymous feedback answers (over two years, three programmes), then
times the whole answer to a manager's ``/mentoring stats`` through the engine
(person upsert, SQL aggregates, anonymity rules, PNG chart, view log, commit)
for several programmes and periods. The budget is 0.5 s per answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

import app  # noqa: F401  (the composition root registers the features)
from adapters.settings import Settings
from bot.core.engine import Engine
from bot.core.model import Actor, Command, ConversationRef, Platform, Reply, UserRef
from bot.core.settings import to_async_url
from bot.stats.periods import iso_week
from storage.db import Database
from storage.tables import CheckIn, Enrolment, FeedbackAnswer, Pair, Person, Programme

BUDGET_S = 0.5
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PROGRAMMES = ("Reverse mentoring", "Leadership circle", "Women in tech")
ANSWERS = (("met", 0.55), ("scheduled", 0.2), ("not_yet", 0.15), ("pause", 0.05), ("problem", 0.05))
REQUESTS = (
    "stats",
    "stats week",
    "stats quarter",
    "stats year",
    "stats all",
    "stats Reverse mentoring",
    "stats Women in tech 2026-Q3",
)
CHUNK = 5000


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


async def populate(
    db: Database, people: int, pairs: int, answers: int, seed: int
) -> dict[str, int]:
    """Write the generated programme data; the row counts."""
    rng = random.Random(seed)
    async with db.session() as session:
        for name in PROGRAMMES:
            session.add(Programme(name=name, topics=["AI"]))
    person_rows = [
        {
            "id": i + 1,
            "platform": "slack",
            "workspace": "T1",
            "user_id": f"U{i:06d}",
            "display_name": f"Person {i}",
            "created_at": NOW - timedelta(days=800),
        }
        for i in range(people)
    ]
    enrolment_rows = [
        {
            "person_id": i + 1,
            "programme_id": 1 + (i // 2) % len(PROGRAMMES),
            "role": "mentor" if i % 2 == 0 else "mentee",
            "status": "paused" if rng.random() < 0.08 else "active",
            "created_at": NOW - timedelta(days=800),
            "updated_at": NOW - timedelta(days=800),
        }
        for i in range(people)
    ]
    pair_rows, checkin_rows = [], []
    for i in range(pairs):  # pair i: mentor 2i, mentee 2i+1, in their programme
        since = NOW - timedelta(days=rng.randint(14, 720))
        status = rng.choices(["active", "paused", "ended"], [0.8, 0.08, 0.12])[0]
        ended = since + timedelta(days=rng.randint(30, 180)) if status == "ended" else None
        pair_rows.append(
            {
                "id": i + 1,
                "programme_id": 1 + i % len(PROGRAMMES),
                "mentor_id": 2 * i + 1,
                "mentee_id": 2 * i + 2,
                "status": status,
                "created_at": since,
                "introduced_at": since,
                "ended_at": ended,
                "score": 0.0,
            }
        )
        for cycle in range(1, 13):
            due = since + timedelta(days=14 * cycle)
            if due > NOW or (ended and due > ended):
                break
            answer = rng.choices([a for a, _ in ANSWERS], [w for _, w in ANSWERS])[0]
            checkin_rows.append(
                {
                    "pair_id": i + 1,
                    "cycle": cycle,
                    "due_at": due,
                    "status": "answered",
                    "answer": answer,
                    "answered_by": 2 * i + 1,
                    "answered_at": due + timedelta(hours=rng.randint(1, 72)),
                }
            )
    feedback_rows = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "programme_id": rng.randint(1, len(PROGRAMMES)),
            "role": rng.choice(["mentor", "mentee"]),
            "period": iso_week(NOW - timedelta(days=rng.randint(0, 730))),
            "survey": rng.choice(["checkin", "checkin", "end", "adhoc"]),
            "usefulness": rng.randint(1, 5),
            "recommend": rng.randint(0, 10),
            "comment": f"Comment {rng.randint(0, 10**6)}" if rng.random() < 0.3 else None,
        }
        for _ in range(answers)
    ]
    for table, rows in (
        (Person, person_rows),
        (Enrolment, enrolment_rows),
        (Pair, pair_rows),
        (CheckIn, checkin_rows),
        (FeedbackAnswer, feedback_rows),
    ):
        for chunk in _chunks(rows):
            async with db.engine.begin() as conn:
                await conn.execute(insert(table), chunk)
    if not db.is_sqlite:  # explicit ids: move the sequences past them
        async with db.engine.begin() as conn:
            for name in ("person", "pair"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"
                    )
                )
            await conn.execute(text("ANALYZE"))
    return {
        "people": people,
        "pairs": pairs,
        "check-ins": len(checkin_rows),
        "feedback answers": answers,
    }


async def time_requests(db: Database, repeats: int) -> list[tuple[str, float, float, float, int]]:
    """Median and worst wall time, median CPU time of this process, and the answer's size.

    The CPU time shows the cost on a busy machine (for SQLite it includes the
    database's own work, which runs in this process; for PostgreSQL it does not).
    """
    settings = Settings(
        _env_file=None,
        mentoring_managers=["slack:T1:UMANAGER"],
        mentoring_seed_programme=False,
    )
    engine = Engine(db, settings, clock=lambda: NOW)
    actor = Actor(UserRef(Platform.SLACK, "T1", "UMANAGER"), "Manager", "en-US", "Europe/Paris")
    channel = ConversationRef(Platform.SLACK, "T1", "C-leads", "channel")
    results = []
    for request in REQUESTS:
        times, cpu, size = [], [], 0
        for _ in range(repeats + 1):  # the first run warms caches (fonts, catalogs)
            start, start_cpu = time.perf_counter(), time.process_time()
            intents = await engine.handle(Command(actor, channel, f"/mentoring {request}"))
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            [reply] = [i for i in intents if isinstance(i, Reply)]
            assert not reply.private, "the manager was refused"
            size = len(reply.message.text) + sum(len(str(e)) for e in reply.message.elements)
        results.append(
            (
                request,
                statistics.median(times[1:]),
                max(times[1:]),
                statistics.median(cpu[1:]),
                size,
            )
        )
    return results


async def run_one(label: str, db: Database, args: argparse.Namespace) -> bool:
    await db.migrate()
    start = time.perf_counter()
    counts = await populate(db, args.people, args.pairs, args.answers, args.seed)
    fill = time.perf_counter() - start
    print(f"\n== {label}: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
    print(f"   (generated in {fill:.1f} s)")
    ok = True
    for request, median, worst, cpu, size in await time_requests(db, args.repeats):
        verdict = "ok" if median < BUDGET_S else "OVER BUDGET"
        ok &= median < BUDGET_S
        print(
            f"   /mentoring {request:<30} median {median * 1000:5.0f} ms  "
            f"worst {worst * 1000:5.0f} ms  cpu {cpu * 1000:5.0f} ms  "
            f"({size // 1024} KB)  {verdict}"
        )
    return ok


async def bench(args: argparse.Namespace) -> int:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at start (timings are wall clock)")
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/bench.db")
        try:
            ok &= await run_one("SQLite", db, args)
        finally:
            await db.close()
    url = args.postgres or os.environ.get("BENCH_POSTGRES_URL")
    if url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = Database(to_async_url(url))
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db = Database(to_async_url(url), connect_args={"server_settings": {"search_path": schema}})
        try:
            ok &= await run_one("PostgreSQL", db, args)
        finally:
            await db.close()
            async with admin.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.close()
    else:
        print("\n(PostgreSQL skipped: pass --postgres URL or set BENCH_POSTGRES_URL)")
    print(f"\nbudget {BUDGET_S * 1000:.0f} ms per answer: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", help="PostgreSQL URL (a throwaway schema is used)")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=5_000)
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.pairs * 2 > args.people:
        parser.error("every pair needs two people: --people must be at least 2 × --pairs")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
