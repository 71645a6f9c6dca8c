"""Direct-message channel ids, cached per person so the bot opens each DM once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.people import find_person
from storage.tables import ChannelRef
from storage.types import utcnow

PURPOSE = "dm"


async def cached_dm_channel(
    session: AsyncSession, platform: str, workspace: str, user_id: str
) -> str | None:
    """The DM channel id remembered for this person, if any."""
    person = await find_person(session, platform, workspace, user_id)
    if person is None:
        return None
    result = await session.exec(
        select(ChannelRef.channel_id).where(
            ChannelRef.person_id == person.id, ChannelRef.purpose == PURPOSE
        )
    )
    return result.first()


async def remember_dm_channel(
    session: AsyncSession, platform: str, workspace: str, user_id: str, channel_id: str
) -> bool:
    """Remember a person's DM channel id; False when the person is unknown (nothing stored)."""
    person = await find_person(session, platform, workspace, user_id)
    if person is None or person.id is None:
        return False
    result = await session.exec(
        select(ChannelRef).where(ChannelRef.person_id == person.id, ChannelRef.purpose == PURPOSE)
    )
    ref = result.first()
    if ref is not None:
        ref.channel_id = channel_id
        ref.updated_at = utcnow()
        return True
    try:
        async with session.begin_nested():
            session.add(ChannelRef(person_id=person.id, purpose=PURPOSE, channel_id=channel_id))
            await session.flush()
    except IntegrityError:
        pass  # another request stored it at the same moment: same channel
    return True


async def forget_dm_channel(
    session: AsyncSession, platform: str, workspace: str, user_id: str
) -> None:
    """Drop a cached DM channel id that Slack no longer knows."""
    person = await find_person(session, platform, workspace, user_id)
    if person is None:
        return
    result = await session.exec(
        select(ChannelRef).where(ChannelRef.person_id == person.id, ChannelRef.purpose == PURPOSE)
    )
    ref = result.first()
    if ref is not None:
        await session.delete(ref)
