"""Inbound event ids, so that a platform's redelivery is handled only once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import InboundEvent


async def first_delivery(session: AsyncSession, platform: str, event_id: str) -> bool:
    """Record the event id; False when it was already recorded (a redelivery)."""
    try:
        async with session.begin_nested():
            session.add(InboundEvent(platform=platform, event_id=event_id[:200]))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def forget_events_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop event ids older than the platforms' retry windows."""
    result = await session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < cutoff))
    return int(result.rowcount or 0)
