"""The ``checkin`` table: a pair's check-in per cycle, its answer and its reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import CheckIn, Pair, Programme

OPEN = ("due", "asked")


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
