"""People and programmes for the matching scenarios, and ways to look at what was queued."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.core.model import Message
from bot.core.plaintext import message_text
from bot.core.serialize import from_data
from storage.tables import (
    Enrolment,
    MatchRound,
    OutboxMessage,
    Pair,
    PairExclusion,
    Person,
    Programme,
)
from tests.harness import Harness
from tests.harness import Person as Speaker

TOPICS = ["AI", "Social media", "Hybrid work", "Sustainability", "Career paths"]


async def make_programme(
    harness: Harness, name: str = "Reverse mentoring", **settings: Any
) -> Programme:
    """A programme with these settings (reverse, gap 2, separate departments by default)."""
    values: dict[str, Any] = {
        "name": name,
        "kind": "reverse",
        "topics": TOPICS,
        "max_capacity": 2,
        "seniority_gap": 2,
        "separate_departments": True,
        "cadence_days": 14,
        "duration_days": 180,
    }
    values.update(settings)
    async with harness.engine.db.session() as session:
        programme = Programme(**values)
        session.add(programme)
        await session.flush()
    return programme


async def enrol(
    person: Speaker,
    role: str,
    *,
    topics: list[str] | None = None,
    seniority: int | None = None,
    department: str = "Sales",
    languages: list[str] | None = None,
    frequency: str = "biweekly",
    capacity: int = 1,
    programme: Programme | None = None,
    self_description: str = "",
    consent: bool = False,
    goals: str = "Learn from each other.",
) -> None:
    """The person joins through the enrolment dialogue and confirms."""
    await person.types("/mentoring join")
    start: dict[str, str | list[str]] = {"role": role}
    if programme is not None:
        start["programme"] = str(programme.id)
    await person.submits(**start)
    details: dict[str, str | list[str]] = {
        "topics": topics or ["AI"],
        "goals": goals,
        "seniority": str(seniority or (1 if role == "mentor" else 5)),
        "department": department,
        "languages": languages or ["en"],
        "frequency": frequency,
        "self_description": self_description,
        "consent": "yes" if consent else "",
    }
    if role == "mentor":
        details["capacity"] = str(capacity)
    await person.submits(**details)
    await person.clicks("enrol.confirm")
    assert person.sees("enrolled") or person.sees("inscrit"), person.last.text


async def add_people(
    harness: Harness,
    programme: Programme,
    role: str,
    count: int,
    *,
    prefix: str,
    department: str,
    seniority: int,
    capacity: int = 1,
) -> list[Person]:
    """Many enrolled people at once, straight into the database (for large programmes)."""
    people = []
    async with harness.engine.db.session() as session:
        for i in range(count):
            person = Person(
                platform="local",
                workspace="T1",
                user_id=f"U{prefix}{i:03d}",
                display_name=f"{prefix}{i:03d}",
                timezone="Europe/Paris",
            )
            session.add(person)
            await session.flush()
            assert person.id is not None and programme.id is not None
            session.add(
                Enrolment(
                    person_id=person.id,
                    programme_id=programme.id,
                    role=role,
                    topics_share=["AI"] if role == "mentor" else [],
                    topics_learn=["AI"] if role == "mentee" else [],
                    seniority=seniority,
                    department=department,
                    languages=["en"],
                    capacity=capacity,
                )
            )
            people.append(person)
    return people


async def rows(harness: Harness, table: type[Any], *where: Any) -> list[Any]:
    """Every row of a table (optionally filtered), by id."""
    async with harness.engine.db.session() as session:
        query = select(table).where(*where)
        if hasattr(table, "id"):
            query = query.order_by(col(table.id))
        return list((await session.exec(query)).all())


async def outbox(harness: Harness) -> list[OutboxMessage]:
    """Everything queued so far."""
    return await rows(harness, OutboxMessage)


async def queued(harness: Harness, key: str) -> OutboxMessage:
    """The outbox row with this key."""
    found = [row for row in await outbox(harness) if row.key == key]
    assert found, f"nothing queued under {key!r}; keys: {[r.key for r in await outbox(harness)]}"
    return found[0]


def text_of(row: OutboxMessage) -> str:
    """The queued message as plain text."""
    message = from_data(row.payload)
    assert isinstance(message, Message)
    return message_text(message)


async def person_id(harness: Harness, speaker: Speaker) -> int:
    """The database id of someone who talked to the bot."""
    [found] = await rows(harness, Person, col(Person.user_id) == speaker.user.user_id)
    assert found.id is not None
    return int(found.id)


async def pairs(harness: Harness, *statuses: str) -> list[Pair]:
    """Pairs, optionally only in these statuses."""
    found = await rows(harness, Pair)
    return [p for p in found if not statuses or p.status in statuses]


async def rounds(harness: Harness) -> list[MatchRound]:
    """Every matching round."""
    return await rows(harness, MatchRound)


async def exclusions(harness: Harness) -> list[PairExclusion]:
    """Every pair exclusion."""
    return await rows(harness, PairExclusion)
