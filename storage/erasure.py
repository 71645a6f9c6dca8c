"""Erasing a person: everything about them goes; anonymous aggregates stay."""

from __future__ import annotations

from sqlalchemy import delete, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.local_chat import LocalMessage
from storage.tables import (
    ChannelRef,
    CheckIn,
    Dialogue,
    Enrolment,
    FeedbackReceipt,
    OutboxMessage,
    Pair,
    PairExclusion,
    Person,
)
from storage.types import utcnow

LOCAL_PLATFORM = "local"  # bot.model.Platform.LOCAL (storage does not import the bot)


async def erase_person(session: AsyncSession, person: Person) -> None:
    """Delete the person and their personal data; end their pairs, keeping anonymous counts.

    Anonymous feedback answers hold no person id, so they stay untouched by construction.
    """
    pid = person.id
    now = utcnow()
    for stmt in (
        delete(Enrolment).where(col(Enrolment.person_id) == pid),
        delete(Dialogue).where(col(Dialogue.person_id) == pid),
        delete(ChannelRef).where(col(ChannelRef.person_id) == pid),
        delete(FeedbackReceipt).where(col(FeedbackReceipt.person_id) == pid),
        delete(OutboxMessage).where(col(OutboxMessage.person_id) == pid),
        delete(PairExclusion).where(
            or_(col(PairExclusion.mentor_id) == pid, col(PairExclusion.mentee_id) == pid)
        ),
        update(CheckIn).where(col(CheckIn.answered_by) == pid).values(answered_by=None),
        update(Pair)
        .where(
            or_(col(Pair.mentor_id) == pid, col(Pair.mentee_id) == pid),
            col(Pair.status).in_(("proposed", "active", "paused")),
        )
        .values(status="ended", ended_at=now, end_reason="left"),
        update(Pair).where(col(Pair.mentor_id) == pid).values(mentor_id=None),
        update(Pair).where(col(Pair.mentee_id) == pid).values(mentee_id=None),
    ):
        await session.exec(stmt)
    if person.platform == LOCAL_PLATFORM:
        # The local chat keeps its conversations in this database (a real platform keeps
        # them itself): the persona's DM, home view and private notices go too.
        await session.exec(delete(LocalMessage).where(col(LocalMessage.viewer) == person.user_id))
    await session.delete(person)
    await session.flush()
