"""The local web chat's own state: the messages it shows and its simulated clock.

Messages are kept here (not in the browser) so the chat survives a restart.
A message is seen by one persona (``viewer``), or by everyone in a channel
when ``viewer`` is None.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel, col, delete, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime, utcnow

CLOCK_ROW = 1


class LocalMessage(SQLModel, table=True):
    """One message shown in the local chat: a bot message, a form or what a persona typed."""

    __tablename__ = "local_message"
    __table_args__ = (Index("ix_local_message_conversation", "conversation", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation: str = Field(max_length=200)
    viewer: str | None = Field(default=None, max_length=128)  # None: everyone in the channel
    kind: str = Field(default="bot", max_length=8)  # bot | user | form
    active: bool = False  # an open form, waiting for an answer
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class LocalClock(SQLModel, table=True):
    """How far the simulated clock runs ahead of real time (one row)."""

    __tablename__ = "local_clock"

    id: int = Field(default=CLOCK_ROW, primary_key=True)
    offset_seconds: float = 0.0


async def add_message(
    session: AsyncSession,
    *,
    conversation: str,
    viewer: str | None,
    kind: str,
    payload: dict[str, Any],
    active: bool = False,
    created_at: datetime | None = None,
) -> LocalMessage:
    """Store a new message and give it its id (``created_at``: the simulated time)."""
    row = LocalMessage(
        conversation=conversation,
        viewer=viewer,
        kind=kind,
        payload=payload,
        active=active,
        created_at=created_at or utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def visible_messages(
    session: AsyncSession, conversation: str, viewer: str, limit: int = 200
) -> list[LocalMessage]:
    """The latest messages of a conversation that ``viewer`` may see, oldest first."""
    result = await session.exec(
        select(LocalMessage)
        .where(
            LocalMessage.conversation == conversation,
            or_(col(LocalMessage.viewer).is_(None), LocalMessage.viewer == viewer),
        )
        .order_by(col(LocalMessage.id).desc())
        .limit(limit)
    )
    return list(reversed(result.all()))


async def get_message(session: AsyncSession, message_id: int) -> LocalMessage | None:
    """One message by id."""
    return await session.get(LocalMessage, message_id)


async def replace_message(
    session: AsyncSession, row: LocalMessage, *, payload: dict[str, Any], kind: str, active: bool
) -> LocalMessage:
    """Give a message new content (a replaced message, an updated form)."""
    row.payload = payload
    row.kind = kind
    row.active = active
    session.add(row)
    await session.flush()
    return row


async def open_forms(session: AsyncSession, viewer: str) -> list[LocalMessage]:
    """The forms still open for one persona."""
    result = await session.exec(
        select(LocalMessage).where(
            LocalMessage.viewer == viewer, col(LocalMessage.active).is_(True)
        )
    )
    return list(result.all())


async def clear_conversation(session: AsyncSession, conversation: str) -> None:
    """Remove every message of a conversation (a home view is replaced as a whole)."""
    await session.exec(delete(LocalMessage).where(col(LocalMessage.conversation) == conversation))


async def clock_offset(session: AsyncSession) -> float:
    """Seconds the simulated clock runs ahead of real time."""
    row = await session.get(LocalClock, CLOCK_ROW)
    return row.offset_seconds if row is not None else 0.0


async def set_clock_offset(session: AsyncSession, seconds: float) -> None:
    """Move the simulated clock."""
    row = await session.get(LocalClock, CLOCK_ROW)
    if row is None:
        row = LocalClock(id=CLOCK_ROW)
    row.offset_seconds = seconds
    session.add(row)
    await session.flush()
