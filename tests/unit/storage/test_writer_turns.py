"""SQLite writers take turns in one process; a task may nest its own sessions."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import select

from storage.db import Database, WriterTurns
from storage.tables import Programme


async def test_nested_sessions_in_one_task_do_not_wait_on_themselves(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    await db.migrate()
    try:
        async with db.session() as outer:
            outer.add(Programme(name="A"))
            async with asyncio.timeout(5), db.read_session() as inner:
                assert (await inner.exec(select(Programme))).all() == []
        async with db.session() as session:
            assert [p.name for p in (await session.exec(select(Programme))).all()] == ["A"]
    finally:
        await db.close()


async def test_tasks_take_turns_in_arrival_order() -> None:
    turns = WriterTurns()
    order: list[str] = []
    first_inside = asyncio.Event()

    async def writer(name: str, hold: asyncio.Event | None = None) -> None:
        async with turns.turn():
            order.append(f"{name} in")
            if hold is not None:
                first_inside.set()
                await hold.wait()
            async with turns.turn():  # re-entry by the holder
                order.append(f"{name} nested")
            order.append(f"{name} out")

    release = asyncio.Event()
    a = asyncio.create_task(writer("a", release))
    await first_inside.wait()
    b = asyncio.create_task(writer("b"))
    c = asyncio.create_task(writer("c"))
    await asyncio.sleep(0)
    assert order == ["a in"]  # b and c wait for their turn
    release.set()
    await asyncio.gather(a, b, c)
    assert order == [
        "a in",
        "a nested",
        "a out",
        "b in",
        "b nested",
        "b out",
        "c in",
        "c nested",
        "c out",
    ]
