"""Conversation references: how to reach a person on their own initiative (Teams 1:1 chats).

A reference is the JSON a platform needs to send into a conversation later (for Teams: the
service URL, the conversation, the bot and the user). It is stored per person and purpose;
``channel_id`` is empty while only a *seed* is known (the service URL and tenant seen in a
channel), from which a 1:1 conversation can be created.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import ChannelRef, Person
from storage.types import utcnow

DIRECT = "dm"
# Where a Teams reference keeps the person's sign-in name (UPN), for chat deep links.
PRINCIPAL_NAME = "userPrincipalName"


async def principal_name(session: AsyncSession, person_id: int) -> str | None:
    """The person's Teams sign-in name, when the adapter could learn it."""
    row = await find_reference(session, person_id)
    value = ((row.reference if row else {}).get("user") or {}).get(PRINCIPAL_NAME)
    return value if isinstance(value, str) else None


async def find_reference(
    session: AsyncSession, person_id: int, purpose: str = DIRECT
) -> ChannelRef | None:
    """The stored reference of a person for a purpose, if any."""
    result = await session.exec(
        select(ChannelRef).where(ChannelRef.person_id == person_id, ChannelRef.purpose == purpose)
    )
    return result.first()


async def save_reference(
    session: AsyncSession,
    person_id: int,
    channel_id: str,
    reference: dict[str, Any],
    purpose: str = DIRECT,
) -> bool:
    """Store (or refresh) a person's reference; True when something changed."""
    row = await find_reference(session, person_id, purpose)
    if row is None:
        session.add(
            ChannelRef(
                person_id=person_id, purpose=purpose, channel_id=channel_id, reference=reference
            )
        )
        await session.flush()
        return True
    if row.channel_id == channel_id and row.reference == reference:
        return False
    row.channel_id = channel_id
    row.reference = reference
    row.updated_at = utcnow()
    await session.flush()
    return True


async def forget_conversation(session: AsyncSession, person_id: int, purpose: str = DIRECT) -> None:
    """The stored conversation is gone: keep the seed (service URL, tenant) but not its id."""
    row = await find_reference(session, person_id, purpose)
    if row is not None and row.channel_id:
        row.channel_id = ""
        row.reference = {k: v for k, v in (row.reference or {}).items() if k != "conversation"}
        row.updated_at = utcnow()
        await session.flush()


async def reference_in_workspace(
    session: AsyncSession, platform: str, workspace: str
) -> dict[str, Any] | None:
    """The most recently refreshed reference of anyone in a workspace (its service URL, bot)."""
    result = await session.exec(
        select(ChannelRef)
        .join(Person, col(Person.id) == col(ChannelRef.person_id))
        .where(Person.platform == platform, Person.workspace == workspace)
        .order_by(col(ChannelRef.updated_at).desc())
        .limit(1)
    )
    row = result.first()
    return dict(row.reference) if row is not None and row.reference else None


async def set_reachable(session: AsyncSession, person_id: int, reachable: bool) -> None:
    """Record whether the platform lets the bot reach this person."""
    await session.exec(
        update(Person).where(col(Person.id) == person_id).values(reachable=reachable)
    )
