"""The outbox: messages the bot sends on its own initiative are written here first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import OutboxMessage, Person
from storage.types import utcnow

# Set on a session's ``info`` when a row was queued, so the engine wakes the worker.
QUEUED_FLAG = "outbox_queued"


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    platform: str,
    target: dict[str, Any] | list[Any],
    payload: dict[str, Any],
    person_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Add a message unless one with the same idempotency key exists; True when added.

    ``target`` is a serialised ``UserRef`` (a direct message), a list of them (a
    group message) or a ``ConversationRef`` (a post); ``not_before`` delays it.
    """
    values = {
        "key": key[:200],
        "platform": platform,
        "person_id": person_id,
        "target": target,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "created_at": utcnow(),
    }
    bind = session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["key"])
    result = await session.exec(stmt)
    added = bool(result.rowcount)
    if added:
        # The engine reads this after the commit to wake the worker at once.
        session.info[QUEUED_FLAG] = True
    return added


# --- The worker's side: claim, record, retry -------------------------------------------

SENDING = "sending"
PENDING = "pending"
SENT = "sent"
DEAD = "dead"
CANCELLED = "cancelled"
STATUSES = (PENDING, SENDING, SENT, DEAD, CANCELLED)
ERROR_MAX = 200


@dataclass(frozen=True)
class Claimed:
    """An outbox row claimed by one worker until ``claimed_until``."""

    id: int
    key: str
    platform: str
    person_id: int | None
    target: Any
    payload: Any
    attempts: int  # including this one
    claimed_until: datetime
    timezone: str | None = None  # the recipient's, when the row names a person


def _due_ids(now: datetime, wall: datetime, platforms: Sequence[str], limit: int) -> Select[Any]:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    return (
        sa_select(table.c.id)
        .where(
            table.c.platform.in_(list(platforms)),
            or_(
                and_(table.c.status == PENDING, table.c.next_attempt_at <= now),
                # A worker that died holding a claim: its lease ran out, take the row over.
                and_(table.c.status == SENDING, table.c.claimed_until < wall),
            ),
        )
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )


async def claim_due(
    session: AsyncSession,
    *,
    worker: str,
    now: datetime,
    wall: datetime,
    lease: timedelta,
    platforms: Sequence[str],
    limit: int,
) -> list[Claimed]:
    """Claim up to ``limit`` rows due at ``now`` for ``worker``, for ``lease`` of wall time.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent workers claim disjoint
    rows without waiting for each other. SQLite: the single ``UPDATE … RETURNING``
    takes the database's one write lock, so claims are serialised.
    """
    if not platforms or limit <= 0:
        return []
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    ids = _due_ids(now, wall, platforms, limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    until = wall + lease
    stmt = (
        update(table)
        .where(table.c.id.in_(ids.scalar_subquery()))
        .values(
            status=SENDING,
            claimed_by=worker,
            claimed_until=until,
            attempts=table.c.attempts + 1,
        )
        .returning(
            table.c.id,
            table.c.key,
            table.c.platform,
            table.c.person_id,
            table.c.target,
            table.c.payload,
            table.c.attempts,
            table.c.next_attempt_at,
        )
    )
    conn = await session.connection()
    rows = (await conn.execute(stmt)).all()
    rows = sorted(rows, key=lambda r: (r.next_attempt_at, r.id))
    zones = await _timezones(session, {r.person_id for r in rows if r.person_id is not None})
    return [
        Claimed(
            r.id,
            r.key,
            r.platform,
            r.person_id,
            r.target,
            r.payload,
            r.attempts,
            until,
            zones.get(r.person_id) if r.person_id is not None else None,
        )
        for r in rows
    ]


async def _timezones(session: AsyncSession, person_ids: set[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    result = await session.exec(
        select(Person.id, Person.timezone).where(col(Person.id).in_(sorted(person_ids)))
    )
    return {pid: tz for pid, tz in result.all() if pid is not None}


async def mark_sent(
    session: AsyncSession, worker: str, sent: Sequence[tuple[int, str | None]], at: datetime
) -> int:
    """Record delivered rows (id, platform message id) still claimed by ``worker``.

    The message body is purged: once delivered, only the delivery metadata (key,
    target, status, times, platform message id) is kept, so the outbox does not
    become a second copy of everything said to people (names, answers, comments
    of a dead letter...). Nothing reads a sent row's payload.

    One statement for the whole batch (its row count is reliable on both databases).
    """
    if not sent:
        return 0
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    ids = {row_id: (message_id or "")[:200] or None for row_id, message_id in sent}
    stmt = (
        update(table)
        .where(
            table.c.id.in_(list(ids)),
            table.c.claimed_by == worker,
            table.c.status == SENDING,
        )
        .values(
            status=SENT,
            payload={},
            platform_message_id=case(ids, value=table.c.id),
            sent_at=at,
            claimed_until=None,
            last_error=None,
        )
    )
    conn = await session.connection()
    result = await conn.execute(stmt)
    return int(result.rowcount or 0)


async def reschedule(
    session: AsyncSession,
    worker: str,
    row_id: int,
    *,
    at: datetime,
    error: str,
    count_attempt: bool = True,
) -> bool:
    """Put a claimed row back to pending, to be tried again at ``at``."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "status": PENDING,
        "next_attempt_at": at,
        "claimed_by": None,
        "claimed_until": None,
        "last_error": error[:ERROR_MAX],
    }
    if not count_attempt:
        values["attempts"] = table.c.attempts - 1
    stmt = (
        update(table)
        .where(table.c.id == row_id, table.c.claimed_by == worker, table.c.status == SENDING)
        .values(**values)
    )
    conn = await session.connection()
    return bool((await conn.execute(stmt)).rowcount)


async def finish(
    session: AsyncSession, worker: str, row_id: int, *, status: str, error: str
) -> bool:
    """End a claimed row for good: ``dead`` (a dead letter) or ``cancelled``."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    stmt = (
        update(table)
        .where(table.c.id == row_id, table.c.claimed_by == worker, table.c.status == SENDING)
        .values(status=status, claimed_until=None, last_error=error[:ERROR_MAX])
    )
    conn = await session.connection()
    return bool((await conn.execute(stmt)).rowcount)


async def next_due_at(session: AsyncSession, platforms: Sequence[str]) -> datetime | None:
    """When the earliest pending row of these platforms becomes due."""
    if not platforms:
        return None
    result = await session.exec(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            col(OutboxMessage.status) == PENDING,
            col(OutboxMessage.platform).in_(list(platforms)),
        )
    )
    return result.one()


async def oldest_due(session: AsyncSession, now: datetime) -> datetime | None:
    """Since when the longest-waiting row that is due has been due (None: nothing due)."""
    result = await session.exec(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            col(OutboxMessage.status).in_((PENDING, SENDING)),
            col(OutboxMessage.next_attempt_at) <= now,
        )
    )
    return result.one()


async def cancel_pending(session: AsyncSession, keys: Sequence[str], reason: str) -> int:
    """Cancel rows not yet sent (e.g. a question someone else already answered)."""
    if not keys:
        return 0
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.key).in_(list(keys)), col(OutboxMessage.status) == PENDING)
        .values(status=CANCELLED, last_error=reason[:ERROR_MAX])
    )
    return int(result.rowcount or 0)


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these idempotency keys are already in the outbox."""
    if not keys:
        return set()
    result = await session.exec(
        select(OutboxMessage.key).where(col(OutboxMessage.key).in_(list(keys)))
    )
    return set(result.all())


async def sent_message_id(session: AsyncSession, key: str) -> str | None:
    """The platform message id recorded for a sent row."""
    result = await session.exec(
        select(OutboxMessage.platform_message_id).where(OutboxMessage.key == key)
    )
    return result.first()


async def status_counts(session: AsyncSession) -> dict[str, int]:
    """How many rows are in each status."""
    result = await session.exec(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in result.all()}


async def dead_letters(session: AsyncSession, limit: int = 20) -> list[OutboxMessage]:
    """The most recent dead letters."""
    result = await session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.status == DEAD)
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list(result.all())


async def cancel_pending_like(session: AsyncSession, patterns: Sequence[str], reason: str) -> int:
    """Cancel unsent rows whose key matches one of these SQL ``LIKE`` patterns."""
    if not patterns:
        return 0
    result = await session.exec(
        update(OutboxMessage)
        .where(
            or_(*(col(OutboxMessage.key).like(p) for p in patterns)),
            col(OutboxMessage.status) == PENDING,
        )
        .values(status=CANCELLED, last_error=reason[:ERROR_MAX])
    )
    return int(result.rowcount or 0)
