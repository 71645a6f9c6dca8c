"""Inbound event ids, so that a platform's redelivery is handled only once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import InboundEvent
from storage.types import utcnow


async def first_delivery(session: AsyncSession, platform: str, event_id: str) -> bool:
    """Record the event id; False when it was already recorded (a redelivery).

    One ``INSERT … ON CONFLICT DO NOTHING``: no savepoint, no exception on a repeat.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(InboundEvent)
        .values(platform=platform, event_id=event_id[:200], received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
    )
    result = await session.exec(stmt)
    return bool(result.rowcount)


async def forget_events_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop event ids older than the platforms' retry windows."""
    result = await session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < cutoff))
    return int(result.rowcount or 0)
