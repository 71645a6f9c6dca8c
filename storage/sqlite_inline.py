"""SQLite reads on the event loop's own thread, for the read-only path.

aiosqlite runs every call (execute, fetch, commit, rollback...) on a helper thread
and hands the result back through the event loop: about twenty such round trips
for one small read transaction, each costing far more than the query itself.
A read of a few indexed rows in WAL mode takes microseconds and never waits for
a writer, so it is cheaper to run it right where it is asked for.

``InlineConnection`` is aiosqlite's ``Connection`` whose work queue runs each call
at once instead of handing it to the thread (which is never started): SQLAlchemy's
aiosqlite dialect drives it unchanged through ``create_async_engine(async_creator=…)``.
Only read sessions use it; writes keep aiosqlite's thread, because a write may wait
for another process's lock and must not stall the loop while it does.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import CompoundSelect, Select
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: runs each call when it is queued."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection that does its work on the caller's thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunNow()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # What every aiosqlite call comes down to: here, a plain call (no future, no queue).
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        # No thread to start: connect right away.
        return self._connect().__await__()

    def stop(self) -> asyncio.Future[Any] | None:
        """Close the sqlite3 connection (there is no thread to stop)."""
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        return None


def inline_creator(
    url: str, dialect: Dialect
) -> Callable[[], Coroutine[Any, Any, aiosqlite.Connection]]:
    """An ``async_creator`` for ``create_async_engine``: the URL's file, opened inline."""
    args, kwargs = dialect.create_connect_args(make_url(url))
    kwargs = {k: v for k, v in kwargs.items() if k != "iter_chunk_size"}
    kwargs["check_same_thread"] = False  # the pool may close it from a finaliser's thread

    async def create() -> aiosqlite.Connection:
        return await InlineConnection(partial(sqlite3.connect, *args, **kwargs), 64)

    return create


def is_file_url(url: str) -> bool:
    """True for a SQLite file (an in-memory database is private to its connection)."""
    database = make_url(url).database or ""
    return database not in ("", ":memory:") and "mode=memory" not in url


class PreparedRead:
    """A prebuilt ``SELECT`` that SQLite runs without SQLAlchemy's per-statement work.

    SQLAlchemy's execution path (contexts, result objects, events) costs a few dozen
    microseconds per statement, far more than SQLite spends on an indexed read. For a
    statement run on every request, this compiles it once per dialect, then hands the
    SQL straight to the driver connection the session already holds, converting
    parameters and columns with the types' own processors. Other databases go through
    ``Connection.execute`` as usual.
    """

    def __init__(self, statement: Select[Any] | CompoundSelect[Any]) -> None:
        self.statement = statement
        self._prepared: dict[str, _Prepared] = {}

    async def rows(self, conn: AsyncConnection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The result rows as tuples."""
        dialect = conn.dialect
        if dialect.name != "sqlite":
            return [tuple(row) for row in await conn.execute(self.statement, params)]
        prepared = self._prepared.get(dialect.name) or self._prepare(dialect)
        raw = await conn.get_raw_connection()
        driver: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
        found = await driver.execute_fetchall(prepared.sql, prepared.values(params))
        return [prepared.convert(row) for row in found]

    def _prepare(self, dialect: Dialect) -> _Prepared:
        compiled = self.statement.compile(dialect=dialect)
        names = list(compiled.positiontup or ())
        binds = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        columns = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self.statement.selected_columns
        ]
        defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        prepared = _Prepared(str(compiled), names, defaults, binds, columns)
        self._prepared[dialect.name] = prepared
        return prepared


class _Prepared:
    """One statement compiled for one dialect, with its value converters."""

    def __init__(
        self,
        sql: str,
        names: list[str],
        defaults: Mapping[str, Any],
        binds: Mapping[str, Callable[[Any], Any] | None],
        columns: Sequence[Callable[[Any], Any] | None],
    ) -> None:
        self.sql = sql
        self._names = names
        self._defaults = dict(defaults)
        self._binds = binds
        self._columns = columns
        self._plain = all(c is None for c in columns)

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The positional parameters, each converted by its type."""
        out = []
        for name in self._names:
            value = params[name] if name in params else self._defaults[name]
            convert = self._binds.get(name)
            out.append(convert(value) if convert is not None and value is not None else value)
        return tuple(out)

    def convert(self, row: Any) -> tuple[Any, ...]:
        """A driver row with each column converted by its type."""
        if self._plain:
            return tuple(row)
        return tuple(v if c is None else c(v) for c, v in zip(self._columns, row, strict=True))
