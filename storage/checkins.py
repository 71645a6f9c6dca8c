"""Check-ins, as the sweeps and the answer buttons ask for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import CheckIn, Dialogue, Enrolment, Pair, Person, Programme

OPEN = ("due", "asked")


async def introduced_pairs(
    session: AsyncSession, statuses: Sequence[str] = ("active",)
) -> list[tuple[Pair, Programme, int]]:
    """Introduced pairs in these statuses, with their programme and latest check-in cycle."""
    latest = (
        select(CheckIn.pair_id, func.max(CheckIn.cycle).label("cycle"))
        .group_by(col(CheckIn.pair_id))
        .subquery()
    )
    result = await session.exec(
        select(Pair, Programme, latest.c.cycle)
        .join(Programme, col(Programme.id) == Pair.programme_id)
        .outerjoin(latest, latest.c.pair_id == Pair.id)
        .where(col(Pair.status).in_(list(statuses)), col(Pair.introduced_at).is_not(None))
        .order_by(col(Pair.id))
    )
    return [(pair, programme, int(cycle or 0)) for pair, programme, cycle in result.all()]


async def create_checkin(
    session: AsyncSession, pair_id: int, cycle: int, due_at: datetime, next_ask_at: datetime
) -> bool:
    """Open check-in ``cycle`` of a pair unless it exists (another instance got there first)."""
    values = {
        "pair_id": pair_id,
        "cycle": cycle,
        "due_at": due_at,
        "status": "asked",
        "next_ask_at": next_ask_at,
        "nudges": 0,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(CheckIn).values(**values).on_conflict_do_nothing(index_elements=["pair_id", "cycle"])
    )
    result = await session.exec(stmt)
    return bool(result.rowcount)


async def expire_open_checkins(session: AsyncSession, pair_id: int, before_cycle: int) -> int:
    """Close the unanswered check-ins of a pair older than ``before_cycle``."""
    result = await session.exec(
        update(CheckIn)
        .where(
            col(CheckIn.pair_id) == pair_id,
            col(CheckIn.cycle) < before_cycle,
            col(CheckIn.status).in_(OPEN),
        )
        .values(status="expired", next_ask_at=None)
    )
    return int(result.rowcount or 0)


async def get_checkin(
    session: AsyncSession, pair_id: int, cycle: int, *, lock: bool = False
) -> CheckIn | None:
    """One check-in; ``lock`` holds it (PostgreSQL) while both members may answer at once."""
    stmt = select(CheckIn).where(CheckIn.pair_id == pair_id, CheckIn.cycle == cycle)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.exec(stmt)).first()


async def latest_checkin(session: AsyncSession, pair_id: int) -> CheckIn | None:
    """The pair's most recent check-in."""
    result = await session.exec(
        select(CheckIn).where(CheckIn.pair_id == pair_id).order_by(col(CheckIn.cycle).desc())
    )
    return result.first()


async def checkins_to_follow_up(
    session: AsyncSession, now: datetime, max_nudges: int
) -> list[tuple[CheckIn, Pair, Programme]]:
    """Open check-ins of active pairs whose next reminder (or re-ask) is due at ``now``."""
    result = await session.exec(
        select(CheckIn, Pair, Programme)
        .join(Pair, col(Pair.id) == CheckIn.pair_id)
        .join(Programme, col(Programme.id) == Pair.programme_id)
        .where(
            col(CheckIn.status).in_(OPEN),
            col(CheckIn.next_ask_at) <= now,
            col(CheckIn.nudges) <= max_nudges,
            Pair.status == "active",
        )
        .order_by(col(CheckIn.id))
    )
    return list(result.all())


async def people(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, Person]:
    """People by id (ids that are None, for erased people, are skipped)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    result = await session.exec(select(Person).where(col(Person.id).in_(wanted)))
    return {p.id: p for p in result.all() if p.id is not None}


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


async def end_pair(session: AsyncSession, pair_id: int, reason: str, now: datetime) -> bool:
    """End an active or paused pair; False when it had already ended (e.g. another instance)."""
    result = await session.exec(
        update(Pair)
        .where(col(Pair.id) == pair_id, col(Pair.status).in_(("active", "paused")))
        .values(status="ended", ended_at=now, end_reason=reason)
    )
    return bool(result.rowcount)


async def set_pair_status(
    session: AsyncSession, pair_id: int, new: str, allowed_from: Sequence[str]
) -> bool:
    """Move a pair to ``new`` only from one of ``allowed_from``."""
    result = await session.exec(
        update(Pair)
        .where(col(Pair.id) == pair_id, col(Pair.status).in_(list(allowed_from)))
        .values(status=new)
    )
    return bool(result.rowcount)


async def mark_unreachable(
    session: AsyncSession, platform: str, workspace: str, user_id: str
) -> None:
    """The platform says this person cannot be reached: stop writing to them."""
    await session.exec(
        update(Person)
        .where(
            col(Person.platform) == platform,
            col(Person.workspace) == workspace,
            col(Person.user_id) == user_id,
        )
        .values(reachable=False)
    )
