"""Remembered people: forgotten on every committed change to a person, and after a while."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from storage.db import Database
from storage.known_people import KnownPeople, untouched
from storage.people import find_person, upsert_person
from storage.tables import Person, Programme

ANN = ("slack", "T1", "U1")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'known.db'}")
    await database.migrate()
    async with database.session() as session:
        await upsert_person(session, platform="slack", workspace="T1", user_id="U1")
    yield database
    await database.close()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def person(name: str = "Ann") -> Person:
    return Person(id=1, platform="slack", workspace="T1", user_id="U1", display_name=name)


def test_a_person_is_remembered_until_the_generation_changes() -> None:
    generation = [0]
    known = KnownPeople(lambda: generation[0])
    ann = person()
    known.remember(ANN, ann, known.generation())
    assert known.get(ANN) is ann
    generation[0] += 1
    assert known.get(ANN) is None
    known.remember(ANN, ann, 0)  # read before the change: not kept
    assert known.get(ANN) is None


def test_entries_expire_and_the_oldest_go_first() -> None:
    clock = Clock()
    known = KnownPeople(lambda: 0, ttl=30, size=2, clock=clock)
    known.remember(ANN, person(), 0)
    clock.now = 29
    assert known.get(ANN) is not None
    clock.now = 31
    assert known.get(ANN) is None
    for i in range(3):
        known.remember(("slack", "T1", f"U{i}"), person(), 0)
    assert known.get(("slack", "T1", "U0")) is None
    assert known.get(("slack", "T1", "U2")) is not None
    known.forget(("slack", "T1", "U2"))
    assert known.get(("slack", "T1", "U2")) is None


async def test_changing_a_person_through_the_orm_bumps_the_generation(db: Database) -> None:
    before = db.people_generation
    async with db.session() as session:  # the same values again: no change
        await upsert_person(session, platform="slack", workspace="T1", user_id="U1")
    assert db.people_generation == before
    async with db.session() as session:
        found = await find_person(session, *ANN)
        assert found is not None
        found.locale = "fr"
    assert db.people_generation == before + 1
    async with db.session() as session:  # someone new
        await upsert_person(session, platform="slack", workspace="T1", user_id="U2")
    assert db.people_generation == before + 2
    async with db.session() as session:
        found = await find_person(session, "slack", "T1", "U2")
        assert found is not None
        await session.delete(found)
    assert db.people_generation == before + 3


async def test_a_statement_on_the_person_table_bumps_the_generation(db: Database) -> None:
    before = db.people_generation
    async with db.session() as session:
        await session.exec(update(Person).where(col(Person.id) == 1).values(reachable=False))
    assert db.people_generation == before + 1
    async with db.session() as session:  # other tables do not count
        session.add(Programme(name="Other"))
        await session.exec(update(Programme).values(cadence_days=7))
    assert db.people_generation == before + 1


async def test_a_rolled_back_change_keeps_the_generation(db: Database) -> None:
    before = db.people_generation

    async def rename_then_fail() -> None:
        async with db.session() as session:
            found = await find_person(session, *ANN)
            assert found is not None
            found.display_name = "Changed"
            await session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await rename_then_fail()
    assert db.people_generation == before


async def test_untouched_tells_whether_a_detached_person_was_modified(db: Database) -> None:
    async with db.read_session() as session:
        found = await find_person(session, *ANN)
    assert found is not None and untouched(found)
    found.display_name = "Scribbled"
    assert not untouched(found)
