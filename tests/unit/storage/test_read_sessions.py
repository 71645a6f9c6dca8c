"""Read sessions on a SQLite file: on the loop's thread, read-only, one connection under load."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from storage.db import Database
from storage.people import find_person, upsert_person
from storage.sqlite_inline import InlineConnection, is_file_url
from storage.tables import Programme


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}")
    await database.migrate()
    yield database
    await database.close()


async def test_reads_run_on_the_loop_thread_and_see_what_was_committed(db: Database) -> None:
    async with db.session() as session:
        await upsert_person(session, platform="slack", workspace="T1", user_id="U1")
    threads = threading.active_count()
    async with db.read_session() as session:
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
        person = await find_person(session, "slack", "T1", "U1")
    assert person is not None and person.user_id == "U1"
    assert threading.active_count() == threads  # no aiosqlite thread was started for it


async def test_a_write_in_a_read_session_fails_and_saves_nothing(db: Database) -> None:
    async def sneak() -> None:
        async with db.read_session() as session:
            session.add(Programme(name="Sneaky"))
            await session.flush()

    with pytest.raises(OperationalError, match="readonly"):
        await sneak()
    async with db.read_session() as session:
        assert (await session.exec(select(Programme))).all() == []


async def test_concurrent_reads_share_one_connection(db: Database) -> None:
    """A read session gives its connection back before the loop runs anything else."""
    opened: list[Any] = []
    event.listen(db.read_engine.sync_engine, "connect", lambda conn, _rec: opened.append(conn))
    async with db.session() as session:
        await upsert_person(session, platform="slack", workspace="T1", user_id="U1")

    async def read() -> None:
        async with db.read_session() as session:
            assert await find_person(session, "slack", "T1", "U1") is not None
        await asyncio.sleep(0)

    await asyncio.gather(*(read() for _ in range(64)))
    assert len(opened) == 1


async def test_an_in_memory_database_reads_through_its_only_engine() -> None:
    assert not is_file_url("sqlite+aiosqlite://")
    assert not is_file_url("sqlite+aiosqlite:///:memory:")
    assert is_file_url("sqlite+aiosqlite:////tmp/x.db")
    memory = Database("sqlite+aiosqlite://")
    try:
        assert memory.read_engine is memory.engine
    finally:
        await memory.close()


async def test_a_closed_inline_connection_refuses_work(tmp_path: Path) -> None:
    import sqlite3
    from functools import partial

    conn = await InlineConnection(partial(sqlite3.connect, str(tmp_path / "c.db")), 64)
    assert list(await conn.execute_fetchall("SELECT 1")) == [(1,)]
    await conn.close()
    with pytest.raises(ValueError, match="closed"):
        await conn.execute_fetchall("SELECT 1")


async def test_a_prepared_read_gives_what_sqlalchemy_gives(db: Database) -> None:
    """Same rows, with JSON lists, aware datetimes and converted parameters."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import bindparam, literal, select

    from storage.sqlite_inline import PreparedRead
    from storage.types import UTCDateTime

    async with db.session() as session:
        session.add(Programme(name="A", topics=["AI", "Leadership"]))
        session.add(Programme(name="B", topics=[]))
    table = Programme.__table__  # type: ignore[attr-defined]
    since = bindparam("since", type_=UTCDateTime())
    statement = (
        select(literal("tag").label("tag"), table.c.name, table.c.topics, table.c.created_at)
        .where(table.c.created_at > since, table.c.name != bindparam("skip"))
        .order_by(table.c.name)
    )
    prepared = PreparedRead(statement)
    params = {"since": datetime.now(UTC) - timedelta(hours=1), "skip": "nobody"}
    async with db.read_session() as session:
        conn = await session.connection()
        expected = [tuple(row) for row in await conn.execute(statement, params)]
        for _ in range(2):  # compiled once, then reused
            assert await prepared.rows(conn, params) == expected
    assert [row[:3] for row in expected] == [("tag", "A", ["AI", "Leadership"]), ("tag", "B", [])]
    assert all(row[3].tzinfo is UTC for row in expected)
