"""Benchmark of the Teams adapter over HTTP: activity in, Bot Connector calls out.

Usage::

    .venv/bin/python bench/teams_turns.py            # 200 people
    .venv/bin/python bench/teams_turns.py --people 50

Each person types ``help``, joins (two form cards, the summary, Confirm), and gets one
proactive check-in; the app runs on a fresh SQLite file, the Bot Connector is the in-process
fake of the tests. Prints per-activity latency (median, p95, max) for each kind of turn, the
proactive send latency, and the size of the cards the bot produced.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.teams.cards import card_bytes
from app import settle_memory
from bot.core.model import Actions, Button, Message, Platform, Text, UserRef
from storage.db import Database
from testkit.adaptive_cards import adaptive_cards
from testkit.bot_connector import FakeBotConnector
from testkit.teams_world import start_world, teams_settings

DETAILS: dict[str, Any] = {
    "topics": ["AI"],
    "goals": "Learn",
    "seniority": "3",
    "department": "Finance",
    "languages": ["en"],
    "frequency": "biweekly",
}


def _figures(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    median = statistics.median(ms)
    return (
        f"{name:<22} n={len(ms):<5} median={median:6.1f} ms  "
        f"p95={p95:6.1f} ms  max={ms[-1]:6.1f} ms"
    )


async def main(people: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await db.migrate()
        async with FakeBotConnector() as fake:
            world, client = await start_world(db, teams_settings(Path(tmp)), fake)
            settle_memory()  # as ``python app.py`` does before serving
            timings: dict[str, list[float]] = {}

            async def timed(kind: str, coro: Awaitable[object]) -> None:
                start = time.perf_counter()
                await coro
                timings.setdefault(kind, []).append(time.perf_counter() - start)

            try:
                users = [world.user(f"Person {n}") for n in range(people)]
                for user in users:
                    await timed("help (card)", user.types("help"))
                    await timed("join (form card)", user.types("join"))
                    await timed("submit step 1 (update)", user.presses("Next", role="mentee"))
                    await timed("submit step 2", user.presses("Next", **DETAILS))
                    await timed("confirm (replace)", user.presses("Confirm", user.chat()[-1]))
                sender = world.runtime.senders[Platform.TEAMS]
                note = Message((Text("Did you meet?"), Actions((Button("Yes", "checkin.met"),))))
                for user in users:
                    ref = UserRef(Platform.TEAMS, user.tenant, user.user_id)
                    await timed("proactive check-in", sender.send_direct(ref, note))
            finally:
                await client.close()
            sizes = [
                card_bytes(card)
                for call in fake.calls
                if isinstance(call.json, dict)
                for card in adaptive_cards(call.json)
            ]
    print(f"Teams adapter, {people} people, SQLite, in-process fake Bot Connector")
    for kind, seconds in timings.items():
        print(_figures(kind, seconds))
    median = statistics.median(sizes)
    print(f"cards: n={len(sizes)} median={median} B max={max(sizes)} B (limit 26624 B)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Teams adapter benchmark over HTTP")
    parser.add_argument("--people", type=int, default=200)
    asyncio.run(main(parser.parse_args().people))
