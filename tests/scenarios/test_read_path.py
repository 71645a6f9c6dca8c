"""The read-only path (help, status...): answers stay right while people are remembered."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from bot.core.engine import Engine
from storage.db import Database
from storage.known_people import KnownPeople
from storage.people import find_person
from storage.programmes import seed_default_programme
from storage.tables import Pair, Person
from tests.harness import Harness
from tests.scenarios.test_commands import enrol, rows


async def test_a_language_change_shows_in_the_very_next_help(harness: Harness) -> None:
    sam = harness.person("Sam", locale="en-US")
    await sam.types("help")
    assert sam.sees("what I can do")
    await sam.types("help")  # answered from what is remembered of Sam (on SQLite)
    await sam.types("/mentoring language fr")
    await sam.types("help")
    assert sam.sees("ce que je sais faire")
    engine = harness.engine
    assert (engine.known_people is None) == (not engine.db.is_sqlite)


async def test_after_leaving_status_and_help_start_afresh(harness: Harness) -> None:
    async with harness.engine.db.session() as session:
        await seed_default_programme(session, "Reverse mentoring")
    kim = harness.person("Kim")
    await enrol(kim)
    await kim.types("status")
    assert kim.sees("Role: mentor")
    await kim.types("/mentoring leave")
    await kim.clicks("Yes, erase my data")
    assert kim.sees("your data has been erased")
    await kim.types("status")
    assert kim.sees("not enrolled in any programme")
    [person] = await rows(harness, Person)  # known again, as a new person
    assert person.display_name == "Kim"


async def test_status_shows_every_current_pair_and_who_has_left(harness: Harness) -> None:
    async with harness.engine.db.session() as session:
        programme = await seed_default_programme(session, "Reverse mentoring")
    assert programme is not None and programme.id is not None
    mia, leo = harness.person("Mia"), harness.person("Leo")
    await enrol(mia, "mentor")
    await enrol(leo, "mentee")
    people = {p.display_name: p.id for p in await rows(harness, Person)}
    async with harness.engine.db.session() as session:
        for mentee, status in ((people["Leo"], "active"), (None, "paused"), (None, "ended")):
            session.add(
                Pair(
                    programme_id=programme.id,
                    mentor_id=people["Mia"],
                    mentee_id=mentee,
                    status=status,
                )
            )
    await mia.types("status")
    assert mia.sees("Your match: Leo (active)")
    assert mia.sees("Your match: (has left) (paused)")
    assert not mia.sees("(ended)")
    await leo.types("status")
    assert leo.sees("Your match: Mia (active)") and leo.sees("Role: mentee")
    assert leo.sees("Topics: AI")


async def test_a_change_made_by_another_process_shows_within_the_ttl(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    db, other = Database(url), Database(url)
    await db.migrate()
    try:
        engine = Engine(db, Settings(_env_file=None, mentoring_seed_programme=False))
        now = [0.0]
        engine.known_people = KnownPeople(
            lambda: db.people_generation, ttl=30, clock=lambda: now[0]
        )
        ann = Harness(engine).person("Ann")
        await ann.types("help")
        await ann.types("help")
        assert ann.sees("what I can do")
        async with other.session() as session:  # e.g. a command-line run
            person = await find_person(session, "local", "T1", ann.user.user_id)
            assert person is not None
            person.locale, person.locale_chosen = "fr", True
        await ann.types("help")
        assert ann.sees("what I can do")  # still remembered: the other process is not seen
        now[0] = 31
        await ann.types("help")
        assert ann.sees("ce que je sais faire")
    finally:
        await other.close()
        await db.close()
