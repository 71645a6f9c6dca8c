"""Anonymous feedback: the answers, and apart from them, the record that a person answered.

The two rows are written in one transaction but share no column that links
them: the answer has a random key, the programme, the role, the priority track
(if any), the ISO week and the answers; the receipt has the person, the survey
key and the same coarse week.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import CheckIn, FeedbackAnswer, FeedbackReceipt, Pair


async def has_answered(session: AsyncSession, person_id: int, survey_key: str) -> bool:
    """True when the person already answered this survey."""
    result = await session.exec(
        select(col(FeedbackReceipt.id)).where(
            col(FeedbackReceipt.person_id) == person_id,
            col(FeedbackReceipt.survey_key) == survey_key,
        )
    )
    return result.first() is not None


async def record_answer(
    session: AsyncSession,
    *,
    person_id: int,
    survey_key: str,
    period: str,
    programme_id: int | None,
    role: str | None,
    survey: str,
    track: str | None = None,
    usefulness: int | None,
    recommend: int | None,
    comment: str | None,
) -> bool:
    """Write the receipt, then the anonymous answer. False, and nothing written, if answered before.

    The receipt goes first with ``ON CONFLICT DO NOTHING``, so two submissions racing
    each other still leave one answer.
    """
    dialect = (await session.connection()).dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = await session.exec(
        insert(FeedbackReceipt)
        .values(person_id=person_id, survey_key=survey_key, period=period)
        .on_conflict_do_nothing(index_elements=["person_id", "survey_key"])
    )
    if not added.rowcount:
        return False
    session.add(
        FeedbackAnswer(
            programme_id=programme_id,
            role=role,
            track=track,
            period=period,
            survey=survey,
            usefulness=usefulness,
            recommend=recommend,
            comment=comment,
        )
    )
    await session.flush()
    return True


async def pair_role(session: AsyncSession, pair_id: int, person_id: int) -> tuple[Pair, str] | None:
    """The pair and the person's role in it, if they belong to it."""
    pair = await session.get(Pair, pair_id)
    if pair is None:
        return None
    if pair.mentor_id == person_id:
        return pair, "mentor"
    if pair.mentee_id == person_id:
        return pair, "mentee"
    return None


async def met_checkin(session: AsyncSession, pair_id: int, cycle: int) -> CheckIn | None:
    """The pair's check-in of this cycle, if it was answered "met"."""
    result = await session.exec(
        select(CheckIn).where(
            col(CheckIn.pair_id) == pair_id,
            col(CheckIn.cycle) == cycle,
            col(CheckIn.answer) == "met",
        )
    )
    return result.first()
