"""Programmes, enrolments, pairs and check-ins written straight to the database.

For scenarios about what happens once people are enrolled and matched (feedback,
statistics); enrolment and matching have their own conversations and tests.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from storage.tables import CheckIn, Enrolment, Pair, Person, Programme
from tests.harness import Harness
from tests.harness import Person as Speaker


async def programme(harness: Harness, name: str = "Reverse mentoring") -> Programme:
    """A new programme."""
    async with harness.engine.db.session() as session:
        created = Programme(name=name, topics=["AI"])
        session.add(created)
    return created


async def enrolled(
    harness: Harness,
    name: str,
    role: str,
    *programmes: Programme,
    locale: str = "en-US",
    status: str = "active",
) -> Speaker:
    """Someone already enrolled in these programmes."""
    speaker = harness.person(name, locale=locale)
    async with harness.engine.db.session() as session:
        person = Person(platform="local", workspace="T1", user_id=speaker.user.user_id)
        session.add(person)
        await session.flush()
        assert person.id is not None
        for p in programmes:
            assert p.id is not None
            session.add(Enrolment(person_id=person.id, programme_id=p.id, role=role, status=status))
    return speaker


async def person_id(harness: Harness, speaker: Speaker) -> int:
    """The database id of someone talking to the bot."""
    async with harness.engine.db.session() as session:
        found = (
            await session.exec(select(Person).where(Person.user_id == speaker.user.user_id))
        ).one()
    assert found.id is not None
    return found.id


async def pair(
    harness: Harness,
    p: Programme,
    mentor: Speaker,
    mentee: Speaker,
    *,
    since: datetime,
    status: str = "active",
) -> Pair:
    """A pair introduced at ``since``."""
    mentor_id, mentee_id = await person_id(harness, mentor), await person_id(harness, mentee)
    assert p.id is not None
    async with harness.engine.db.session() as session:
        created = Pair(
            programme_id=p.id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            status=status,
            created_at=since,
            introduced_at=since,
        )
        session.add(created)
    return created


async def checkin(harness: Harness, of: Pair, cycle: int, answer: str, at: datetime) -> CheckIn:
    """A check-in of the pair, answered at ``at``."""
    assert of.id is not None
    async with harness.engine.db.session() as session:
        created = CheckIn(
            pair_id=of.id,
            cycle=cycle,
            due_at=at,
            status="answered",
            answer=answer,
            answered_by=of.mentor_id,
            answered_at=at,
        )
        session.add(created)
    return created
