"""Programme statistics, aggregated in SQL (GROUP BY, COUNT, SUM, AVG, CASE).

Every function returns a handful of grouped rows, never one row per person,
pair or answer, so ``/mentoring stats`` stays fast on large programmes. The
anonymity rules are applied afterwards, by ``bot.stats_privacy``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal, or_, outerjoin, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import (
    CheckIn,
    Enrolment,
    FeedbackAnswer,
    Pair,
    Person,
    PublishedFigure,
    StatsView,
)
from storage.types import UTCDateTime

RUNNING_PAIR_STATUSES = ("active", "paused", "ended")
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


@dataclass(frozen=True)
class Participation:
    """Enrolments of one role in one programme: active, paused, and active without a pair."""

    programme_id: int
    role: str
    active: int
    paused: int
    unmatched: int
    track: str | None = None  # the enrolments' priority track (None: none, or no consent)


@dataclass(frozen=True)
class TrackPairs:
    """Pairs of one priority track: active now, running in a period, and those that met."""

    track: str | None
    active: int
    running: int
    met: int


@dataclass(frozen=True)
class Meetings:
    """Pairs of one programme that ran during a period, and how many of them met."""

    programme_id: int
    running: int
    met: int


@dataclass(frozen=True)
class FeedbackTotals:
    """Sums over the feedback answers of one (window, programme, role) group."""

    window: int
    programme_id: int | None
    role: str | None
    answers: int
    usefulness_n: int
    usefulness_sum: int
    recommend_n: int
    promoters: int
    detractors: int


@dataclass(frozen=True)
class SeriesPoint:
    """One bucket of the chart's time axis."""

    bucket: int
    meetings: int = 0
    answers: int = 0
    usefulness: float | None = None


def _programme_filter(column: Any, programme_id: int | None) -> Any:
    return literal(True) if programme_id is None else column == programme_id


def _of_programme(query: Any, programme_id: int | None) -> Any:
    """Check-ins of one programme's pairs (no join at all for every programme)."""
    if programme_id is None:
        return query
    return query.join(Pair, col(Pair.id) == col(CheckIn.pair_id)).where(
        col(Pair.programme_id) == programme_id
    )


def _bucket_case(column: Any, bounds: Sequence[Any]) -> Any:
    """``0`` below ``bounds[1]``, ``1`` below ``bounds[2]``... for rows already within the range."""
    whens = [(column < bound, index) for index, bound in enumerate(bounds[1:-1])]
    return case(*whens, else_=len(bounds) - 2) if whens else literal(0)


async def participation(session: AsyncSession, programme_id: int | None) -> list[Participation]:
    """Active, paused and unmatched enrolments by programme, role and priority track.

    Unmatched: an active enrolment whose person is in no active pair of that
    programme. The matched people are one UNION (deduplicated, so a mentor with two
    mentees counts once) joined to the enrolments: one pass, no per-row subquery.
    """
    active_pair = col(Pair.status) == "active"
    matched = union(
        select(col(Pair.programme_id), col(Pair.mentor_id).label("person_id")).where(active_pair),
        select(col(Pair.programme_id), col(Pair.mentee_id).label("person_id")).where(active_pair),
    ).subquery("matched")
    active = col(Enrolment.status) == "active"
    query = (
        select(  # type: ignore[call-overload]
            col(Enrolment.programme_id),
            col(Enrolment.role),
            col(Enrolment.track),
            func.sum(case((active, 1), else_=0)),
            func.sum(case((col(Enrolment.status) == "paused", 1), else_=0)),
            func.sum(case((and_(active, matched.c.person_id.is_(None)), 1), else_=0)),
        )
        .outerjoin(
            matched,
            and_(
                matched.c.programme_id == col(Enrolment.programme_id),
                matched.c.person_id == col(Enrolment.person_id),
            ),
        )
        .where(_programme_filter(col(Enrolment.programme_id), programme_id))
        .group_by(col(Enrolment.programme_id), col(Enrolment.role), col(Enrolment.track))
    )
    rows = (await session.exec(query)).all()
    return [
        Participation(pid, role, int(a or 0), int(p or 0), int(u or 0), track)
        for pid, role, track, a, p, u in rows
    ]


async def active_pairs(session: AsyncSession, programme_id: int | None) -> dict[int, int]:
    """Active pairs by programme."""
    query = (
        select(col(Pair.programme_id), func.count())
        .where(
            col(Pair.status) == "active", _programme_filter(col(Pair.programme_id), programme_id)
        )
        .group_by(col(Pair.programme_id))
    )
    return {pid: int(n) for pid, n in (await session.exec(query)).all()}


async def meetings(
    session: AsyncSession, programme_id: int | None, start: datetime, end: datetime
) -> list[Meetings]:
    """By programme: pairs running during ``[start, end)`` and those with a "met" answer in it."""
    met_in_period = (
        select(col(CheckIn.id))
        .where(
            col(CheckIn.pair_id) == col(Pair.id),
            col(CheckIn.answer) == "met",
            col(CheckIn.answered_at) >= start,
            col(CheckIn.answered_at) < end,
        )
        .exists()
    )
    began = func.coalesce(col(Pair.introduced_at), col(Pair.created_at), type_=UTCDateTime())
    query = (
        select(
            col(Pair.programme_id),
            func.count(),
            func.sum(case((met_in_period, 1), else_=0)),
        )
        .where(
            col(Pair.status).in_(RUNNING_PAIR_STATUSES),
            began < end,
            or_(col(Pair.ended_at).is_(None), col(Pair.ended_at) >= start),
            _programme_filter(col(Pair.programme_id), programme_id),
        )
        .group_by(col(Pair.programme_id))
    )
    rows = (await session.exec(query)).all()
    return [Meetings(pid, int(running), int(met or 0)) for pid, running, met in rows]


async def pairs_by_track(
    session: AsyncSession, programme_id: int, start: datetime, end: datetime
) -> list[TrackPairs]:
    """By priority track: active pairs, pairs running during ``[start, end)``, and those that met.

    A pair belongs to its mentee's track, else its mentor's (so each pair is in one
    slice and the slices add up to the programme's figures); ``None`` for neither.
    """
    mentee = aliased(Enrolment, name="mentee_enrolment")
    mentor = aliased(Enrolment, name="mentor_enrolment")
    track = func.coalesce(col(mentee.track), col(mentor.track))
    met_in_period = (
        select(col(CheckIn.id))
        .where(
            col(CheckIn.pair_id) == col(Pair.id),
            col(CheckIn.answer) == "met",
            col(CheckIn.answered_at) >= start,
            col(CheckIn.answered_at) < end,
        )
        .exists()
    )
    began = func.coalesce(col(Pair.introduced_at), col(Pair.created_at), type_=UTCDateTime())
    running = and_(began < end, or_(col(Pair.ended_at).is_(None), col(Pair.ended_at) >= start))
    query = (
        select(
            track,
            func.sum(case((col(Pair.status) == "active", 1), else_=0)),
            func.sum(case((running, 1), else_=0)),
            func.sum(case((and_(running, met_in_period), 1), else_=0)),
        )
        .select_from(
            outerjoin(
                Pair,
                mentee,
                and_(
                    col(mentee.programme_id) == col(Pair.programme_id),
                    col(mentee.person_id) == col(Pair.mentee_id),
                ),
            ).outerjoin(
                mentor,
                and_(
                    col(mentor.programme_id) == col(Pair.programme_id),
                    col(mentor.person_id) == col(Pair.mentor_id),
                ),
            )
        )
        .where(col(Pair.programme_id) == programme_id, col(Pair.status).in_(RUNNING_PAIR_STATUSES))
        .group_by(track)
    )
    rows = (await session.exec(query)).all()
    return [TrackPairs(t, int(a or 0), int(r or 0), int(m or 0)) for t, a, r, m in rows]


async def feedback_by_track(
    session: AsyncSession, programme_id: int, weeks: tuple[str, str]
) -> dict[str | None, FeedbackTotals]:
    """Feedback sums of one programme's answers in ISO weeks ``[first, stop)``, by track."""
    usefulness = col(FeedbackAnswer.usefulness)
    recommend = col(FeedbackAnswer.recommend)
    period = col(FeedbackAnswer.period)
    track = col(FeedbackAnswer.track)
    query = (
        select(  # type: ignore[call-overload]
            track,
            func.count(),
            func.count(usefulness),
            func.coalesce(func.sum(usefulness), 0),
            func.count(recommend),
            func.sum(case((recommend >= PROMOTER_MIN, 1), else_=0)),
            func.sum(case((recommend <= DETRACTOR_MAX, 1), else_=0)),
        )
        .where(
            col(FeedbackAnswer.programme_id) == programme_id,
            period >= weeks[0],
            period < weeks[1],
        )
        .group_by(track)
    )
    rows = (await session.exec(query)).all()
    return {
        t: FeedbackTotals(
            0, programme_id, None, int(n), int(un), int(us), int(rn), int(pr or 0), int(de or 0)
        )
        for t, n, un, us, rn, pr, de in rows
    }


async def checkin_answers(
    session: AsyncSession, programme_id: int | None, start: datetime, end: datetime
) -> dict[str, int]:
    """Check-in answers given during ``[start, end)``, by answer (met, scheduled, ...)."""
    query = (
        _of_programme(select(col(CheckIn.answer), func.count()), programme_id)
        .where(
            col(CheckIn.answered_at) >= start,
            col(CheckIn.answered_at) < end,
            col(CheckIn.answer).is_not(None),
        )
        .group_by(col(CheckIn.answer))
    )
    return {str(answer): int(n) for answer, n in (await session.exec(query)).all()}


def _weekly_feedback(
    programme_id: int | None, first: str, stop: str, *, by_slice: bool = True
) -> Any:
    """Feedback sums per week (and programme and role): a streaming pass over the covering
    ``(period, programme_id, role, usefulness, recommend)`` index, no sort of the answers."""
    period = col(FeedbackAnswer.period)
    usefulness = col(FeedbackAnswer.usefulness)
    recommend = col(FeedbackAnswer.recommend)
    slices: list[Any] = (
        [col(FeedbackAnswer.programme_id), col(FeedbackAnswer.role)] if by_slice else []
    )
    return (
        select(  # type: ignore[call-overload]
            period.label("period"),
            *[c.label(c.key) for c in slices],
            func.count().label("answers"),
            func.count(usefulness).label("usefulness_n"),
            func.coalesce(func.sum(usefulness), 0).label("usefulness_sum"),
            func.count(recommend).label("recommend_n"),
            func.sum(case((recommend >= PROMOTER_MIN, 1), else_=0)).label("promoters"),
            func.sum(case((recommend <= DETRACTOR_MAX, 1), else_=0)).label("detractors"),
        )
        .where(
            period >= first,
            period < stop,
            _programme_filter(col(FeedbackAnswer.programme_id), programme_id),
        )
        .group_by(period, *slices)
        .subquery("weekly")
    )


async def feedback_totals(
    session: AsyncSession, programme_id: int | None, windows: Sequence[tuple[str, str]]
) -> list[FeedbackTotals]:
    """Feedback sums by (window, programme, role); each window is ISO weeks ``[first, stop)``.

    Two levels of GROUP BY: per week first (in index order, no sort of the answers),
    then per window with a CASE over the week, on a few hundred weekly rows.
    """
    if not windows:
        return []
    weekly = _weekly_feedback(
        programme_id, min(first for first, _ in windows), max(stop for _, stop in windows)
    )
    window = case(
        *[
            (and_(weekly.c.period >= first, weekly.c.period < stop), index)
            for index, (first, stop) in enumerate(windows)
        ],
        else_=-1,
    )
    query = select(  # type: ignore[call-overload]
        window,
        weekly.c.programme_id,
        weekly.c.role,
        func.sum(weekly.c.answers),
        func.sum(weekly.c.usefulness_n),
        func.sum(weekly.c.usefulness_sum),
        func.sum(weekly.c.recommend_n),
        func.sum(weekly.c.promoters),
        func.sum(weekly.c.detractors),
    ).group_by(window, weekly.c.programme_id, weekly.c.role)
    rows = (await session.exec(query)).all()
    return [
        FeedbackTotals(
            int(w), pid, role, int(n), int(un), int(us), int(rn), int(pr or 0), int(de or 0)
        )
        for w, pid, role, n, un, us, rn, pr, de in rows
        if w >= 0
    ]


async def meeting_series(
    session: AsyncSession, programme_id: int | None, bounds: Sequence[datetime]
) -> dict[int, int]:
    """Pairs with a "met" answer in each bucket ``[bounds[i], bounds[i+1])``."""
    answered = col(CheckIn.answered_at)
    bucket = _bucket_case(answered, bounds)
    query = (
        _of_programme(select(bucket, func.count(distinct(col(CheckIn.pair_id)))), programme_id)
        .where(col(CheckIn.answer) == "met", answered >= bounds[0], answered < bounds[-1])
        .group_by(bucket)
    )
    return {int(b): int(n) for b, n in (await session.exec(query)).all()}


async def satisfaction_series(
    session: AsyncSession, programme_id: int | None, week_bounds: Sequence[str]
) -> dict[int, tuple[int, float | None]]:
    """Answers and average usefulness in each bucket of ISO weeks ``[bounds[i], bounds[i+1])``."""
    weekly = _weekly_feedback(programme_id, week_bounds[0], week_bounds[-1], by_slice=False)
    bucket = _bucket_case(weekly.c.period, week_bounds)
    average = (
        func.sum(weekly.c.usefulness_sum) * 1.0 / func.nullif(func.sum(weekly.c.usefulness_n), 0)
    )
    query = select(bucket, func.sum(weekly.c.answers), average).group_by(bucket)
    rows = (await session.exec(query)).all()
    return {int(b): (int(n), float(avg) if avg is not None else None) for b, n, avg in rows}


@dataclass(frozen=True)
class SampledComment:
    """A comment and the coarse slices it belongs to (for the per-slice threshold)."""

    text: str
    programme_id: int | None
    role: str | None
    track: str | None


async def sample_comments(
    session: AsyncSession, programme_id: int | None, weeks: tuple[str, str], limit: int
) -> list[SampledComment]:
    """A random sample of the period's comments (the caller checks the thresholds).

    The keys are random, so the comments that follow a random key make a random
    sample: a short walk along the primary key instead of sorting every comment of
    the period by ``random()``. Wrapping around covers the keys before it.
    """
    # coalesce() keeps the planner off the period index: walking the key is the cheap path.
    period = func.coalesce(col(FeedbackAnswer.period), "")
    comment = col(FeedbackAnswer.comment)
    key = col(FeedbackAnswer.id)
    base = select(
        comment,
        col(FeedbackAnswer.programme_id),
        col(FeedbackAnswer.role),
        col(FeedbackAnswer.track),
    ).where(
        period >= weeks[0],
        period < weeks[1],
        comment.is_not(None),
        comment != "",
        _programme_filter(col(FeedbackAnswer.programme_id), programme_id),
    )
    start = secrets.token_hex(16)
    found = list((await session.exec(base.where(key >= start).order_by(key).limit(limit))).all())
    if len(found) < limit:
        before = base.where(key < start).order_by(key).limit(limit - len(found))
        found += list((await session.exec(before)).all())
    return [SampledComment(str(c), pid, role, track) for c, pid, role, track in found if c]


async def log_view(
    session: AsyncSession,
    *,
    platform: str,
    viewer_user_id: str,
    programme: str | None,
    period: str,
    slice_name: str,
) -> None:
    """Record that someone looked at (or exported) statistics."""
    session.add(
        StatsView(
            platform=platform,
            viewer_user_id=viewer_user_id[:128],
            programme=programme[:80] if programme else None,
            period=period[:32],
            slice=slice_name[:64],
        )
    )
    await session.flush()


@dataclass(frozen=True)
class ViewEntry:
    """One line of the stats log, with the viewer's name when the bot knows them."""

    view: StatsView
    display_name: str | None


async def recent_views(session: AsyncSession, limit: int) -> list[ViewEntry]:
    """The latest stats views, newest first."""
    name = (
        select(col(Person.display_name))
        .where(
            col(Person.platform) == col(StatsView.platform),
            col(Person.user_id) == col(StatsView.viewer_user_id),
        )
        .limit(1)  # the same user id in two workspaces: any of the names will do
        .scalar_subquery()
    )
    query = (
        select(StatsView, name)
        .order_by(col(StatsView.viewed_at).desc(), col(StatsView.id).desc())
        .limit(limit)
    )
    return [ViewEntry(view, display) for view, display in (await session.exec(query)).all()]


async def published_figures(session: AsyncSession, scope: str) -> dict[str, PublishedFigure]:
    """The figures last shown for ``scope``, by period label (the period rules' memory)."""
    rows = (await session.exec(select(PublishedFigure).where(PublishedFigure.scope == scope))).all()
    return {row.period: row for row in rows}


async def remember_figures(
    session: AsyncSession,
    *,
    scope: str,
    period: str,
    answers: int,
    shown: bool,
    figures: dict[str, Any],
) -> None:
    """Record what was just shown for ``scope`` and ``period`` (replacing the last one).

    An upsert, so that two reports asked at once both leave a row rather than fail.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {
        "scope": scope,
        "period": period,
        "answers": answers,
        "shown": shown,
        "figures": figures,
    }
    statement = insert(PublishedFigure).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["scope", "period"],
        set_={"answers": answers, "shown": shown, "figures": figures},
    )
    await session.exec(statement)


async def published_for_period(session: AsyncSession, period: str) -> dict[str, PublishedFigure]:
    """The figures last shown for ``period``, by scope (to check scopes against each other)."""
    rows = (
        await session.exec(select(PublishedFigure).where(PublishedFigure.period == period))
    ).all()
    return {row.scope: row for row in rows}
