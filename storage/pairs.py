"""Pairs, matching rounds and pair exclusions: the questions matching asks the database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import CheckIn, Enrolment, MatchRound, Pair, PairExclusion, Person, Programme

# A pair in these statuses holds its members: a mentee is taken, a mentor uses one slot.
OCCUPYING = ("active", "paused")


async def available_enrolments(
    session: AsyncSession, programme_id: int
) -> list[tuple[Enrolment, Person]]:
    """Active enrolments of reachable people in a programme, oldest first."""
    result = await session.exec(
        select(Enrolment, Person)
        .join(Person, col(Person.id) == Enrolment.person_id)
        .where(
            Enrolment.programme_id == programme_id,
            Enrolment.status == "active",
            col(Person.reachable).is_(True),
        )
        .order_by(col(Enrolment.id))
    )
    return list(result.all())


async def enrolment_of(
    session: AsyncSession, programme_id: int, person_id: int
) -> Enrolment | None:
    """One person's enrolment in a programme."""
    result = await session.exec(
        select(Enrolment).where(
            Enrolment.programme_id == programme_id, Enrolment.person_id == person_id
        )
    )
    return result.first()


async def pair_load(session: AsyncSession, programme_id: int) -> Counter[int]:
    """How many running pairs of the programme each person is in (either side)."""
    result = await session.exec(
        select(Pair.mentor_id, Pair.mentee_id).where(
            Pair.programme_id == programme_id, col(Pair.status).in_(OCCUPYING)
        )
    )
    load: Counter[int] = Counter()
    for mentor_id, mentee_id in result.all():
        for person_id in (mentor_id, mentee_id):
            if person_id is not None:
                load[person_id] += 1
    return load


async def recent_partners(
    session: AsyncSession, programme_id: int, since: datetime
) -> set[tuple[int, int]]:
    """(mentor, mentee) person ids paired in the programme at any time since ``since``."""
    result = await session.exec(
        select(Pair.mentor_id, Pair.mentee_id).where(
            Pair.programme_id == programme_id,
            or_(
                col(Pair.status).in_(OCCUPYING),
                (col(Pair.status) == "ended") & (col(Pair.ended_at) >= since),
            ),
        )
    )
    return {(m, e) for m, e in result.all() if m is not None and e is not None}


async def exclusions(session: AsyncSession, programme_id: int) -> set[tuple[int, int]]:
    """(mentor, mentee) person ids an admin excluded from the programme."""
    result = await session.exec(
        select(PairExclusion.mentor_id, PairExclusion.mentee_id).where(
            PairExclusion.programme_id == programme_id
        )
    )
    return set(result.all())


async def add_exclusion(
    session: AsyncSession, programme_id: int, mentor_id: int, mentee_id: int
) -> bool:
    """Never propose this mentor with this mentee again in the programme; False if known."""
    known = await session.exec(
        select(PairExclusion.id).where(
            PairExclusion.programme_id == programme_id,
            PairExclusion.mentor_id == mentor_id,
            PairExclusion.mentee_id == mentee_id,
        )
    )
    if known.first() is not None:
        return False
    session.add(PairExclusion(programme_id=programme_id, mentor_id=mentor_id, mentee_id=mentee_id))
    await session.flush()
    return True


async def managers_by_user(session: AsyncSession, platforms: Iterable[str]) -> list[Person]:
    """People of these platforms whose manager is known (for reporting-line chains)."""
    wanted = sorted(set(platforms))
    if not wanted:
        return []
    result = await session.exec(
        select(Person).where(
            col(Person.platform).in_(wanted), col(Person.manager_user_id).is_not(None)
        )
    )
    return list(result.all())


# --- Rounds ---------------------------------------------------------------------------


async def open_previews(session: AsyncSession, programme_id: int) -> list[MatchRound]:
    """Rounds of the programme still waiting for an approval."""
    result = await session.exec(
        select(MatchRound)
        .where(MatchRound.programme_id == programme_id, MatchRound.status == "preview")
        .order_by(col(MatchRound.id))
    )
    return list(result.all())


async def latest_round(session: AsyncSession, programme_id: int) -> MatchRound | None:
    """The programme's most recent round, whatever became of it."""
    result = await session.exec(
        select(MatchRound)
        .where(MatchRound.programme_id == programme_id)
        .order_by(col(MatchRound.id).desc())
        .limit(1)
    )
    return result.first()


async def move_round(
    session: AsyncSession,
    round_id: int,
    *,
    from_status: str,
    to_status: str,
    at: datetime | None = None,
) -> bool:
    """Change a round's status only from ``from_status``: one winner when two clicks race."""
    values: dict[str, object] = {"status": to_status}
    if to_status == "approved":
        values["approved_at"] = at
    result = await session.exec(
        update(MatchRound)
        .where(col(MatchRound.id) == round_id, col(MatchRound.status) == from_status)
        .values(**values)
    )
    return bool(result.rowcount)


async def hold_preview(session: AsyncSession, round_id: int) -> bool:
    """Lock a round still in preview until the transaction ends (PostgreSQL), so that an
    exclusion or a swap cannot interleave with an approval; False if no longer in preview."""
    result = await session.exec(
        update(MatchRound)
        .where(col(MatchRound.id) == round_id, col(MatchRound.status) == "preview")
        .values(status="preview")
    )
    return bool(result.rowcount)


async def round_pairs(
    session: AsyncSession, round_id: int, statuses: tuple[str, ...] | None = ("proposed",)
) -> list[Pair]:
    """The pairs of a round (only those in ``statuses`` unless None), by id."""
    query = select(Pair).where(Pair.round_id == round_id)
    if statuses is not None:
        query = query.where(col(Pair.status).in_(statuses))
    return list((await session.exec(query.order_by(col(Pair.id)))).all())


async def drop_proposals(session: AsyncSession, round_id: int) -> int:
    """Delete a round's proposed (never introduced) pairs."""
    result = await session.exec(
        delete(Pair).where(col(Pair.round_id) == round_id, col(Pair.status) == "proposed")
    )
    return int(result.rowcount or 0)


async def drop_pair(session: AsyncSession, pair_id: int) -> None:
    """Delete one proposed pair."""
    await session.exec(delete(Pair).where(col(Pair.id) == pair_id, col(Pair.status) == "proposed"))


# --- Running pairs --------------------------------------------------------------------


async def running_pairs(
    session: AsyncSession, programme_id: int | None = None
) -> list[tuple[Pair, Programme]]:
    """Active and paused pairs (of one programme, or all), by programme then id."""
    query = (
        select(Pair, Programme)
        .join(Programme, col(Programme.id) == Pair.programme_id)
        .where(col(Pair.status).in_(OCCUPYING))
    )
    if programme_id is not None:
        query = query.where(Pair.programme_id == programme_id)
    result = await session.exec(query.order_by(col(Pair.programme_id), col(Pair.id)))
    return list(result.all())


async def activate(session: AsyncSession, pair_ids: list[int], at: datetime) -> int:
    """Proposed pairs become active, introduced at ``at``."""
    if not pair_ids:
        return 0
    result = await session.exec(
        update(Pair)
        .where(col(Pair.id).in_(pair_ids), col(Pair.status) == "proposed")
        .values(status="active", introduced_at=at)
    )
    return int(result.rowcount or 0)


async def scheduled_programmes(session: AsyncSession) -> list[Programme]:
    """Open programmes that schedule their own rounds."""
    result = await session.exec(
        select(Programme)
        .where(Programme.status == "open", col(Programme.match_schedule).is_not(None))
        .order_by(col(Programme.id))
    )
    return [p for p in result.all() if (p.match_schedule or "").strip()]


async def lock_programme(session: AsyncSession, programme_id: int) -> Programme | None:
    """The programme, locked until the transaction ends (PostgreSQL), so that two instances
    running the same scheduled round take turns; SQLite has a single writer anyway."""
    query = select(Programme).where(Programme.id == programme_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def finish_pair(session: AsyncSession, pair_id: int, reason: str, at: datetime) -> bool:
    """End an active or paused pair; False when it was not running (already ended, a race)."""
    result = await session.exec(
        update(Pair)
        .where(col(Pair.id) == pair_id, col(Pair.status).in_(OCCUPYING))
        .values(status="ended", ended_at=at, end_reason=reason[:32])
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)


async def close_open_checkins(session: AsyncSession, pair_id: int) -> int:
    """A pair ended: its unanswered check-ins will never be answered."""
    result = await session.exec(
        update(CheckIn)
        .where(col(CheckIn.pair_id) == pair_id, col(CheckIn.status).in_(("due", "asked")))
        .values(status="expired", next_ask_at=None)
    )
    return int(result.rowcount or 0)


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


async def mark_pair_ended(session: AsyncSession, pair_id: int, reason: str, now: datetime) -> bool:
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
