"""The database: an async SQLAlchemy engine, sessions, migrations and a health check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.erasure import CHECKPOINT_FLAG
from storage.known_people import PEOPLE_CHANGED, watch_people
from storage.sqlite_inline import inline_creator, is_file_url

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web server read while the outbox worker writes; foreign keys are off by default.
    # synchronous=NORMAL is durable across application crashes in WAL mode (only a power
    # cut can lose the last commits) and halves the cost of each commit.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted rows are overwritten with zeros rather than left in free pages, so an
    # erased person (``leave``) cannot be read back from the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Read connections run on the event loop (see sqlite_inline): never wait long there,
    # and refuse any write, which would be a bug in a read-only handler.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=100")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


class WriterTurns:
    """A first-come, first-served lock that the task holding it may take again.

    Re-entry keeps nested sessions in one task (a sweep calling a helper that opens
    its own session) from waiting on themselves.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the writer's turn for the duration of the block."""
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


class Database:
    """Owns the engine; hands out sessions and transactions."""

    def __init__(
        self, url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None
    ) -> None:
        self.url = url
        # hide_parameters: SQL logs must never show feedback text or other answers.
        kwargs: dict[str, Any] = {
            "echo": echo,
            "connect_args": connect_args or {},
            "hide_parameters": True,
        }
        if url.startswith("postgresql"):
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._turns = WriterTurns() if self.is_sqlite else None
        self.people_generation = 0  # bumped by each committed change to a person
        watch_people()
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # Reads of a SQLite file run on the loop's thread (storage/sqlite_inline.py).
        self.read_engine = self.engine
        if self.is_sqlite and is_file_url(url):
            creator = inline_creator(url, self.engine.dialect)
            self.read_engine = create_async_engine(
                url, async_creator=creator, pool_reset_on_return=None, **kwargs
            )
            event.listen(self.read_engine.sync_engine, "connect", _sqlite_read_pragmas)
        self._read_sessions = async_sessionmaker(
            self.read_engine, class_=AsyncSession, expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        """SQLite has one writer at a time and no ``SKIP LOCKED``."""
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error.

        SQLite has one writer at a time and its busy handler makes waiting writers
        sleep and retry, which gives long, unfair waits under load. In one process,
        transactions therefore take turns on a lock (first come, first served).
        """
        if self._turns is None:
            async with self._sessions() as session, session.begin():
                yield session
        else:
            async with self._turns.turn(), self._sessions() as session, session.begin():
                yield session
        # Committed: people remembered by the read-only path may be out of date now.
        if session.info.pop(PEOPLE_CHANGED, False):
            self.people_generation += 1
        if session.info.pop(CHECKPOINT_FLAG, False):
            await self.checkpoint()

    async def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file and empty it.

        Run after an erasure, so that the erased values do not linger in the
        ``-wal`` file. Best effort: a long reader may keep part of the log, which
        the next checkpoint then truncates. PostgreSQL: nothing (see the docs on
        dead tuples and VACUUM).
        """
        if not self.is_sqlite:
            return
        async with self.engine.connect() as conn:
            result = await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = result.scalar()
        if busy:
            log.warning("WAL checkpoint after an erasure was partial (a reader was active)")

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only: no turn to wait for, rolled back at the end.

        On a SQLite file its queries run on the event loop's thread and any write fails.
        """
        # No explicit begin: the connection is taken at the first query (a handler that
        # reads nothing costs no connection), and closing the session rolls back. It is
        # closed directly rather than by ``async with``, whose exit closes it in a separate
        # task: the connection would be held across a turn of the loop, so that under load
        # every request would need a connection of its own.
        session = self._read_sessions()
        try:
            yield session
        finally:
            await session.close()

    async def migrate(self) -> None:
        """Apply every pending Alembic migration."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def healthy(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # any failure means "not healthy"; the caller reports 503
            return False
        return True

    async def at_head(self) -> bool:
        """True when every migration has been applied (no pending schema change)."""
        try:
            async with self.engine.connect() as conn:
                return await conn.run_sync(_at_head)
        except Exception:  # an unreachable database is not "at head" either
            return False

    async def close(self) -> None:
        """Release every pooled connection."""
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        await self.engine.dispose()


def alembic_config() -> Config:
    """The Alembic configuration, without an ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "heads")  # feature branches of migrations may coexist


def _at_head(connection: Connection) -> bool:
    applied = set(MigrationContext.configure(connection).get_current_heads())
    return applied == set(ScriptDirectory.from_config(alembic_config()).get_heads())
