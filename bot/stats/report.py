"""The programme health report behind ``/mentoring stats`` and ``python app.py export``.

Storage aggregates in SQL (``storage.stats``); this module puts the grouped
rows together and applies the anonymity rules (``bot.stats_privacy``) before
anything leaves it: a hidden feedback figure is ``None`` here, so no renderer
can show it by mistake.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.stats.periods import Bucket, Period, chart_buckets
from bot.stats.privacy import (
    COMMENT_EXCERPTS,
    comment_excerpts,
    hidden_slices,
    is_visible,
    nps,
)
from storage import stats as queries
from storage.stats import FeedbackTotals
from storage.tables import Programme

ROLES = ("mentor", "mentee")
OTHER = "other"  # feedback from people with no enrolment, or a role no longer known


@dataclass(frozen=True)
class Feedback:
    """Feedback figures of one slice; ``shown`` False means "not enough answers yet"."""

    answers: int
    shown: bool
    usefulness: float | None = None  # average, 1–5
    nps: int | None = None  # −100..+100


@dataclass(frozen=True)
class Slice:
    """One slice of the report (a role, a programme, or a priority track)."""

    key: str
    active: int = 0
    paused: int = 0
    unmatched: int = 0
    active_pairs: int | None = None
    running: int | None = None
    met: int | None = None
    feedback: Feedback = Feedback(0, False)

    @property
    def met_rate(self) -> float | None:
        """Share of running pairs that met, 0–1."""
        return _rate(self.met, self.running)


@dataclass(frozen=True)
class ChartPoint:
    """One point of the chart: meetings (pairs that met) and average usefulness, if shown."""

    start: datetime
    unit: str
    meetings: int
    usefulness: float | None
    answered: bool = False  # some answers exist (shown, or hidden for anonymity)


@dataclass(frozen=True)
class Report:
    """Everything ``/mentoring stats`` shows, already made safe to show."""

    programme: str | None
    period: Period
    k: int
    comment_k: int
    mentors: int
    mentees: int
    paused: int
    unmatched: int
    active_pairs: int
    running: int
    met: int
    previous_running: int | None
    previous_met: int | None
    checkins: Mapping[str, int]
    feedback: Feedback
    previous_feedback: Feedback | None
    by_role: tuple[Slice, ...]
    by_programme: tuple[Slice, ...]
    comments: tuple[str, ...]
    chart: tuple[ChartPoint, ...]
    comments_allowed: bool = False  # enough answers for excerpts (there may be no comment)
    by_track: tuple[Slice, ...] = ()  # one programme with priority tracks; ``other`` last
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # the tracks' labels

    @property
    def met_rate(self) -> float | None:
        """Share of the pairs running in the period that met at least once, 0–1."""
        return _rate(self.met, self.running)

    @property
    def met_trend(self) -> float | None:
        """Change of the meeting rate since the previous period, in percentage points."""
        now, before = self.met_rate, _rate(self.previous_met, self.previous_running)
        return None if now is None or before is None else 100 * (now - before)

    @property
    def usefulness_trend(self) -> float | None:
        """Change of the average usefulness since the previous period (both shown)."""
        now, prev = self.feedback, self.previous_feedback
        if prev is None or now.usefulness is None or prev.usefulness is None:
            return None
        return now.usefulness - prev.usefulness

    @property
    def nps_trend(self) -> int | None:
        """Change of the NPS since the previous period (both shown)."""
        now, prev = self.feedback, self.previous_feedback
        if prev is None or now.nps is None or prev.nps is None:
            return None
        return now.nps - prev.nps


def _rate(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


@dataclass(frozen=True)
class _Sums:
    answers: int = 0
    usefulness_n: int = 0
    usefulness_sum: int = 0
    recommend_n: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: _Sums) -> _Sums:
        return _Sums(
            self.answers + other.answers,
            self.usefulness_n + other.usefulness_n,
            self.usefulness_sum + other.usefulness_sum,
            self.recommend_n + other.recommend_n,
            self.promoters + other.promoters,
            self.detractors + other.detractors,
        )

    @classmethod
    def of(cls, row: FeedbackTotals) -> _Sums:
        return cls(
            row.answers,
            row.usefulness_n,
            row.usefulness_sum,
            row.recommend_n,
            row.promoters,
            row.detractors,
        )

    def figures(self, shown: bool) -> Feedback:
        """The figures, or only the count when they must stay hidden."""
        if not shown:
            return Feedback(self.answers, False)
        usefulness = self.usefulness_sum / self.usefulness_n if self.usefulness_n else None
        return Feedback(
            self.answers, True, usefulness, nps(self.promoters, self.detractors, self.recommend_n)
        )


def _grouped(rows: Iterable[tuple[Hashable, _Sums]]) -> dict[Hashable, _Sums]:
    sums: dict[Hashable, _Sums] = defaultdict(_Sums)
    for key, value in rows:
        sums[key] = sums[key] + value
    return dict(sums)


def _partition(
    sums: Mapping[Hashable, _Sums], k: int, total_shown: bool
) -> dict[Hashable, Feedback]:
    """Each slice's figures, with k-anonymity and complementary suppression applied."""
    hidden = hidden_slices({key: s.answers for key, s in sums.items()}, k)
    return {
        key: s.figures(total_shown and key not in hidden and is_visible(s.answers, k))
        for key, s in sums.items()
    }


def _role_key(role: str | None) -> str:
    return role if role in ROLES else OTHER


async def build_report(
    session: AsyncSession,
    *,
    programme_id: int | None,
    programme_names: Mapping[int, str],
    period: Period,
    k: int,
    comment_k: int,
) -> Report:
    """The report for one programme (or all of them, ``programme_id=None``) over ``period``."""
    previous = period.previous
    participation = await queries.participation(session, programme_id)
    pairs = await queries.active_pairs(session, programme_id)
    met_now = await queries.meetings(session, programme_id, period.start, period.end)
    met_before = (
        await queries.meetings(session, programme_id, previous.start, previous.end)
        if previous
        else None
    )
    checkins = await queries.checkin_answers(session, programme_id, period.start, period.end)
    windows = [period.weeks] + ([previous.weeks] if previous else [])
    totals = await queries.feedback_totals(session, programme_id, windows)

    current = [row for row in totals if row.window == 0]
    total = sum((_Sums.of(r) for r in current), _Sums())
    total_shown = is_visible(total.answers, k)
    prior = [_Sums.of(r) for r in totals if r.window == 1]
    previous_feedback: Feedback | None = None
    if previous is not None:
        prior_total = sum(prior, _Sums())
        previous_feedback = prior_total.figures(is_visible(prior_total.answers, k))

    role_feedback = _partition(
        _grouped((_role_key(r.role), _Sums.of(r)) for r in current), k, total_shown
    )
    by_role = tuple(
        Slice(
            role,
            active=sum(p.active for p in participation if p.role == role),
            paused=sum(p.paused for p in participation if p.role == role),
            unmatched=sum(p.unmatched for p in participation if p.role == role),
            feedback=role_feedback.get(role, Feedback(0, False)),
        )
        for role in ROLES
    )
    if OTHER in role_feedback:
        by_role += (Slice(OTHER, feedback=role_feedback[OTHER]),)

    by_programme: tuple[Slice, ...] = ()
    if programme_id is None:
        by_programme = _programme_slices(
            programme_names, participation, pairs, met_now, current, k, total_shown
        )

    by_track: tuple[Slice, ...] = ()
    chosen = await session.get(Programme, programme_id) if programme_id is not None else None
    if chosen is not None and chosen.id is not None and chosen.priority_tracks:
        by_track = await _track_slices(
            session, chosen.id, list(chosen.priority_tracks), participation, period, k, total_shown
        )

    comments: tuple[str, ...] = ()
    if total.answers >= comment_k:
        sample = await queries.sample_comments(
            session, programme_id, period.weeks, COMMENT_EXCERPTS
        )
        comments = tuple(comment_excerpts(sample, total.answers, comment_k))

    chart = await _chart(session, programme_id, period, k)
    return Report(
        programme=programme_names.get(programme_id) if programme_id is not None else None,
        period=period,
        k=k,
        comment_k=comment_k,
        mentors=by_role[0].active,
        mentees=by_role[1].active,
        paused=sum(p.paused for p in participation),
        unmatched=sum(p.unmatched for p in participation),
        active_pairs=sum(pairs.values()),
        running=sum(m.running for m in met_now),
        met=sum(m.met for m in met_now),
        previous_running=sum(m.running for m in met_before) if met_before is not None else None,
        previous_met=sum(m.met for m in met_before) if met_before is not None else None,
        checkins=checkins,
        feedback=total.figures(total_shown),
        previous_feedback=previous_feedback,
        by_role=by_role,
        by_programme=by_programme,
        labels=(chosen.labels or {}) if chosen is not None else {},
        comments=comments,
        chart=chart,
        comments_allowed=total.answers >= comment_k,
        by_track=by_track,
    )


async def _track_slices(
    session: AsyncSession,
    programme_id: int,
    tracks: Sequence[str],
    participation: Sequence[queries.Participation],
    period: Period,
    k: int,
    total_shown: bool,
) -> tuple[Slice, ...]:
    """One programme split by priority track, people without one in ``other``.

    The track slices and ``other`` partition the programme (a track no longer
    among the programme's counts as ``other``), so they are suppressed together.
    """

    def key(track: str | None) -> str:
        return track if track is not None and track in tracks else OTHER

    pairs = await queries.pairs_by_track(session, programme_id, period.start, period.end)
    answers = await queries.feedback_by_track(session, programme_id, period.weeks)
    figures = _partition(
        _grouped((key(track), _Sums.of(row)) for track, row in answers.items()), k, total_shown
    )
    slices = []
    for name in [*dict.fromkeys(tracks), OTHER]:
        parts = [p for p in participation if key(p.track) == name]
        mine = [p for p in pairs if key(p.track) == name]
        slices.append(
            Slice(
                name,
                active=sum(p.active for p in parts),
                paused=sum(p.paused for p in parts),
                unmatched=sum(p.unmatched for p in parts),
                active_pairs=sum(p.active for p in mine),
                running=sum(p.running for p in mine),
                met=sum(p.met for p in mine),
                feedback=figures.get(name, Feedback(0, False)),
            )
        )
    return tuple(slices)


def _programme_slices(
    names: Mapping[int, str],
    participation: Sequence[queries.Participation],
    pairs: Mapping[int, int],
    met: Sequence[queries.Meetings],
    feedback: Sequence[FeedbackTotals],
    k: int,
    total_shown: bool,
) -> tuple[Slice, ...]:
    sums = _grouped((r.programme_id, _Sums.of(r)) for r in feedback)
    figures = _partition(sums, k, total_shown)
    meetings = {m.programme_id: m for m in met}
    slices = []
    for pid, name in sorted(names.items(), key=lambda item: item[1].lower()):
        parts = [p for p in participation if p.programme_id == pid]
        m = meetings.get(pid)
        slices.append(
            Slice(
                name,
                active=sum(p.active for p in parts),
                paused=sum(p.paused for p in parts),
                unmatched=sum(p.unmatched for p in parts),
                active_pairs=pairs.get(pid, 0),
                running=m.running if m else 0,
                met=m.met if m else 0,
                feedback=figures.get(pid, Feedback(0, False)),
            )
        )
    return tuple(slices)


def _window_of(bucket: Bucket, windows: Sequence[tuple[str, str]]) -> int:
    first, stop = bucket.weeks
    for index, (w_first, w_stop) in enumerate(windows):
        if w_first <= first and stop <= w_stop:
            return index
    return len(windows)


async def _chart(
    session: AsyncSession, programme_id: int | None, period: Period, k: int
) -> tuple[ChartPoint, ...]:
    """Meetings and satisfaction over time; a bucket's satisfaction obeys the same rules.

    Buckets inside the period split its total exactly (and so do those of the
    previous period), so each group is suppressed as a partition of its own.
    """
    buckets = chart_buckets(period)
    bounds = [b.start for b in buckets] + [buckets[-1].end]
    week_bounds = [b.weeks[0] for b in buckets] + [buckets[-1].weeks[1]]
    met = await queries.meeting_series(session, programme_id, bounds)
    satisfaction = await queries.satisfaction_series(session, programme_id, week_bounds)
    windows = [period.weeks] + ([period.previous.weeks] if period.previous else [])
    groups: dict[int, dict[int, int]] = defaultdict(dict)
    for index, bucket in enumerate(buckets):
        groups[_window_of(bucket, windows)][index] = satisfaction.get(index, (0, None))[0]
    hidden: set[int] = set()
    for counts in groups.values():
        hidden |= hidden_slices(counts, k)
    points = []
    for index, bucket in enumerate(buckets):
        answers, average = satisfaction.get(index, (0, None))
        shown = index not in hidden and is_visible(answers, k)
        points.append(
            ChartPoint(
                bucket.start,
                bucket.unit,
                met.get(index, 0),
                average if shown else None,
                answers > 0,
            )
        )
    return tuple(points)
