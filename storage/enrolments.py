"""Enrolments and the dialogue state of people enrolling."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Dialogue, Enrolment, Pair, Person, Programme
from storage.types import utcnow

# The statements read on every ``status`` are built once (composing a select costs
# more than running it on SQLite).
_ENROLMENTS_OF = (
    select(Enrolment, Programme)
    .join(Programme, col(Programme.id) == Enrolment.programme_id)
    .where(Enrolment.person_id == bindparam("person_id"))
    .order_by(col(Enrolment.id))
)
_PAIRS_OF = (
    select(Pair)
    .where(
        (Pair.mentor_id == bindparam("person_id")) | (Pair.mentee_id == bindparam("person_id")),
        col(Pair.status).in_(bindparam("statuses", expanding=True)),
    )
    .order_by(col(Pair.id))
)
_DIALOGUE = select(Dialogue).where(
    Dialogue.person_id == bindparam("person_id"), Dialogue.kind == bindparam("kind")
)


async def enrolments_of(session: AsyncSession, person_id: int) -> list[tuple[Enrolment, Programme]]:
    """A person's enrolments with their programmes."""
    result = await session.exec(_ENROLMENTS_OF, params={"person_id": person_id})
    return list(result.all())


async def find_enrolment(
    session: AsyncSession, person_id: int, programme_id: int
) -> Enrolment | None:
    """A person's enrolment in one programme."""
    result = await session.exec(
        select(Enrolment).where(
            Enrolment.person_id == person_id, Enrolment.programme_id == programme_id
        )
    )
    return result.first()


async def pairs_of(session: AsyncSession, person_id: int, statuses: tuple[str, ...]) -> list[Pair]:
    """The person's pairs in the given statuses."""
    params = {"person_id": person_id, "statuses": list(statuses)}
    result = await session.exec(_PAIRS_OF, params=params)
    return list(result.all())


async def get_dialogue(session: AsyncSession, person_id: int, kind: str) -> Dialogue | None:
    """The person's dialogue of this kind, if one is under way."""
    result = await session.exec(_DIALOGUE, params={"person_id": person_id, "kind": kind})
    return result.first()


async def save_dialogue(
    session: AsyncSession, person_id: int, kind: str, step: str, data: Mapping[str, object]
) -> Dialogue:
    """Create or move a dialogue to ``step``; its version changes every time."""
    dialogue = await get_dialogue(session, person_id, kind)
    if dialogue is None:
        dialogue = Dialogue(person_id=person_id, kind=kind, step=step, data=dict(data))
        session.add(dialogue)
    else:
        dialogue.step = step
        dialogue.data = dict(data)
        dialogue.version += 1
        dialogue.updated_at = utcnow()
    await session.flush()
    return dialogue


async def drop_dialogue(session: AsyncSession, person_id: int, kind: str) -> None:
    """Forget a finished or cancelled dialogue."""
    dialogue = await get_dialogue(session, person_id, kind)
    if dialogue is not None:
        await session.delete(dialogue)
        await session.flush()


async def paused_enrolments(
    session: AsyncSession, pairs: Iterable[tuple[int | None, int]]
) -> set[tuple[int, int]]:
    """Which (person id, programme id) of these have a paused enrolment."""
    wanted = {(p, prog) for p, prog in pairs if p is not None}
    if not wanted:
        return set()
    result = await session.exec(
        select(Enrolment.person_id, Enrolment.programme_id).where(
            Enrolment.status == "paused",
            col(Enrolment.person_id).in_(sorted({p for p, _ in wanted})),
        )
    )
    return {row for row in result.all() if row in wanted}


async def unfinished_dialogues(
    session: AsyncSession, kind: str, idle_since: datetime
) -> list[tuple[Dialogue, Person]]:
    """Dialogues of ``kind`` untouched since ``idle_since``, with their person."""
    result = await session.exec(
        select(Dialogue, Person)
        .join(Person, col(Person.id) == Dialogue.person_id)
        .where(Dialogue.kind == kind, col(Dialogue.updated_at) <= idle_since)
        .order_by(col(Dialogue.id))
    )
    return list(result.all())
