"""A realistic population for the benchmarks: people enrolled in a programme, in pairs.

``status`` then has something to show (an enrolment, a partner's name), as it does
in a running programme, rather than "you are not enrolled".
"""

from __future__ import annotations

from storage.db import Database
from storage.programmes import find_programme
from storage.tables import Enrolment, Pair, Person, Programme


async def populate(db: Database, platform: str, workspace: str, people: dict[str, str]) -> None:
    """Enrol ``people`` (user id → display name) in a programme, two by two in active pairs.

    The first of each two mentors the second; an odd last person is enrolled, unpaired.
    """
    async with db.session() as session:
        programme = await find_programme(session, "Bench programme")
        if programme is None:
            programme = Programme(name="Bench programme", topics=["Leadership", "AI"])
            session.add(programme)
            await session.flush()
        assert programme.id is not None
        persons = []
        for user_id, name in people.items():
            person = Person(platform=platform, workspace=workspace, user_id=user_id)
            person.display_name = name
            session.add(person)
            persons.append(person)
        await session.flush()
        for i, person in enumerate(persons):
            assert person.id is not None
            role = "mentor" if i % 2 == 0 else "mentee"
            topics = ["Leadership", "AI"]
            session.add(
                Enrolment(
                    person_id=person.id,
                    programme_id=programme.id,
                    role=role,
                    topics_share=topics if role == "mentor" else [],
                    topics_learn=topics if role == "mentee" else [],
                    status="active",
                )
            )
            if role == "mentee":
                mentor = persons[i - 1]
                session.add(
                    Pair(
                        programme_id=programme.id,
                        mentor_id=mentor.id,
                        mentee_id=person.id,
                        status="active",
                    )
                )
