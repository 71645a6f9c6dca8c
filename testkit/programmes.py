"""A running pair, written straight to the database: for tests that start after the matching."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Enrolment, Pair, Person, Programme


async def running_pair(
    session: AsyncSession,
    mentor: Person,
    mentee: Person,
    introduced_at: datetime,
    *,
    programme_name: str = "Pilot",
    cadence_days: int = 14,
) -> Pair:
    """A programme in which ``mentor`` and ``mentee`` are enrolled and paired since
    ``introduced_at`` (a fortnightly check-in cadence unless told otherwise)."""
    programme = Programme(name=programme_name, cadence_days=cadence_days, duration_days=90)
    session.add(programme)
    await session.flush()
    assert programme.id is not None and mentor.id is not None and mentee.id is not None
    for member, role in ((mentor, "mentor"), (mentee, "mentee")):
        session.add(Enrolment(person_id=member.id or 0, programme_id=programme.id, role=role))
    pair = Pair(
        programme_id=programme.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        status="active",
        introduced_at=introduced_at,
    )
    session.add(pair)
    await session.flush()
    return pair
