"""Benchmark of the local chat's JSON API over real HTTP, on a SQLite file.

Usage::

    .venv/bin/python bench/local_chat.py              # 200 commands, 20 enrolments
    .venv/bin/python bench/local_chat.py --commands 500 --enrolments 50

Measures, through the same aiohttp app ``python app.py`` serves: the start-up
(migrations, seeding, the eight personas and their welcome), ``/mentoring help``
round trips (command → engine → stored messages), conversation reads, and a
whole enrolment (join, two forms, confirm, leave), and a clock jump of a week
(sweeps and outbox replayed in four-hour steps). Prints figures;
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer

import app
from adapters.settings import Settings


def _settings(db_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{db_path}",
        host="127.0.0.1",
        mentoring_admins=[],
        mentoring_managers=[],
    )


async def _timed(fn: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await fn()
    return (time.perf_counter() - start) * 1000


def _summary(name: str, samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20) if len(samples) >= 20 else samples
    p95 = q[-1] if len(samples) >= 20 else max(samples)
    return (
        f"{name:<28} n={len(samples):<5} median={statistics.median(samples):7.1f} ms"
        f"  p95={p95:7.1f} ms  max={max(samples):7.1f} ms"
    )


async def run(commands: int, enrolments: int) -> None:
    """Serve the app on a fresh SQLite file and time the API."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        runtime = await app.build_runtime(_settings(Path(tmp) / "bench.db"))
        client: TestClient[Any, Any] = TestClient(
            TestServer(app.build_web_app(runtime), host="127.0.0.1")
        )
        await client.start_server()
        print(f"start-up with 8 personas welcomed: {(time.perf_counter() - started) * 1000:.0f} ms")
        app.settle_memory()  # as ``python app.py`` does before serving
        try:

            async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
                async with client.post(path, json=body) as response:
                    assert response.status == 200, await response.text()
                    return dict(await response.json())

            async def get(path: str) -> dict[str, Any]:
                async with client.get(path) as response:
                    assert response.status == 200
                    return dict(await response.json())

            help_body = {"persona": "L-priya", "conversation": "dm", "text": "/mentoring help"}
            help_times = [
                await _timed(lambda: post("/local/api/command", help_body)) for _ in range(commands)
            ]
            read_times = [
                await _timed(lambda: get("/local/api/personas/L-priya/conversations/dm"))
                for _ in range(50)
            ]

            async def enrol(persona: str) -> None:
                body = {"persona": persona, "conversation": "dm", "text": "/mentoring join"}
                answer = await post("/local/api/command", body)
                form = answer["messages"][-1]
                answer = await post(
                    "/local/api/form",
                    {"persona": persona, "message_id": form["id"], "values": {"role": "mentee"}},
                )
                form = answer["messages"][-1]
                values = {
                    "topics": ["AI"],
                    "goals": "Learn",
                    "seniority": "5",
                    "department": "Ops",
                    "languages": ["en"],
                    "frequency": "monthly",
                }
                answer = await post(
                    "/local/api/form",
                    {"persona": persona, "message_id": form["id"], "values": values},
                )
                summary = answer["messages"][-1]
                confirm = next(
                    b
                    for e in summary["elements"]
                    if e["type"] == "actions"
                    for b in e["buttons"]
                    if b["action_id"] == "enrol.confirm"
                )
                await post(
                    "/local/api/action",
                    {
                        "persona": persona,
                        "message_id": summary["id"],
                        "action_id": confirm["action_id"],
                        "value": confirm["value"],
                    },
                )
                await post("/local/api/command", {**body, "text": "/mentoring leave"})
                leave = await get(f"/local/api/personas/{persona}/conversations/dm")
                last = leave["messages"][-1]
                button = next(
                    b for e in last["elements"] if e["type"] == "actions" for b in e["buttons"]
                )
                await post(
                    "/local/api/action",
                    {
                        "persona": persona,
                        "message_id": last["id"],
                        "action_id": button["action_id"],
                        "value": button["value"],
                    },
                )

            enrol_times = [await _timed(lambda: enrol("L-margaret")) for _ in range(enrolments)]
            week = {"advance_seconds": 7 * 86400}
            clock_times = [await _timed(lambda: post("/local/api/clock", week)) for _ in range(3)]
            print(_summary("/mentoring help round trip", help_times))
            print(_summary("read a conversation", read_times))
            print(_summary("join+2 forms+confirm+leave", enrol_times))
            print(_summary("clock +1 week (42 steps)", clock_times))
        finally:
            await client.close()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--enrolments", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.commands, args.enrolments))


if __name__ == "__main__":
    main()
