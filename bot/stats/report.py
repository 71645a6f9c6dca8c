"""The programme health report behind ``/mentoring stats`` and ``python app.py export``.

Storage aggregates in SQL (``storage.stats``); this module puts the grouped
rows together, then hands every feedback cell of what is about to be published
(one report, or all the reports of an export together) to the disclosure
auditor (``bot.stats.disclosure``) before anything leaves it: a hidden feedback
figure is ``None`` here, so no renderer can show it by mistake. Averages are
rounded to one decimal here, and small people counts (tracks, check-in answers)
are hidden below *k* like feedback.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.stats.disclosure import Relation, audit
from bot.stats.periods import Bucket, Period, chart_buckets
from bot.stats.privacy import comment_excerpts, is_visible, nps
from storage import stats as queries
from storage.stats import FeedbackTotals
from storage.tables import Programme
from storage.types import utcnow

ROLES = ("mentor", "mentee")
PROBLEM = "problem"  # a check-in answer for the admins only
COMMENT_SAMPLE = 20  # comments drawn before the per-slice rule keeps some of them
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
    active: int | None = 0  # None: hidden (fewer than k, or would give a small one away)
    paused: int | None = 0
    unmatched: int | None = 0
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
    answers: int = 0  # for the auditor: how many answers the point is built from
    window: int = 2  # 0: inside the period, 1: inside the previous one, 2: neither


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
    checkins: Mapping[str, int | None]  # None: fewer than k answers; never "problem"
    feedback: Feedback
    previous_feedback: Feedback | None
    by_role: tuple[Slice, ...]
    by_programme: tuple[Slice, ...]
    comments: tuple[str, ...]
    chart: tuple[ChartPoint, ...]
    comments_allowed: bool = False  # enough answers for excerpts (there may be no comment)
    by_track: tuple[Slice, ...] = ()  # one programme with priority tracks; ``other`` last
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # the tracks' labels
    period_rule: str | None = None  # "repeated" or "withheld" by the period rules (memory)

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
        usefulness = (
            round(self.usefulness_sum / self.usefulness_n, 1) if self.usefulness_n else None
        )
        return Feedback(
            self.answers, True, usefulness, nps(self.promoters, self.detractors, self.recommend_n)
        )


def _grouped(rows: Iterable[tuple[Hashable, _Sums]]) -> dict[Hashable, _Sums]:
    sums: dict[Hashable, _Sums] = defaultdict(_Sums)
    for key, value in rows:
        sums[key] = sums[key] + value
    return dict(sums)


def _partition(sums: Mapping[Hashable, _Sums]) -> dict[Hashable, Feedback]:
    """Each slice's figures, before the auditor decides what may be shown."""
    return {key: s.figures(s.answers > 0) for key, s in sums.items()}


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
    now: datetime | None = None,
) -> Report:
    """The report for one programme (or all of them, ``programme_id=None``) over ``period``,
    audited as a whole, then held to the period rules (``bot.stats.memory``) against what
    earlier reports showed, before it is returned."""
    return (
        await build_reports(
            session,
            scopes=[programme_id],
            programme_names=programme_names,
            period=period,
            k=k,
            comment_k=comment_k,
            now=now,
        )
    )[0]


async def build_reports(
    session: AsyncSession,
    *,
    scopes: Sequence[int | None],
    programme_names: Mapping[int, str],
    period: Period,
    k: int,
    comment_k: int,
    now: datetime | None = None,
) -> list[Report]:
    """Several reports published together (the CSV export): audited together, so that no
    hidden cell of one is the difference of cells shown in the others; then held to the
    period rules, which remember what is shown (shared with ``/mentoring stats``)."""
    # Imported here: the period rules build on this module's report types.
    from bot.stats.memory import apply_period_rules

    raws = [await _gather(session, scope, programme_names, period, comment_k) for scope in scopes]
    return await apply_period_rules(
        session,
        publish(raws, k),
        scopes,
        now=now or utcnow(),
        k=k,
        programme_names=programme_names,
    )


async def _gather(
    session: AsyncSession,
    programme_id: int | None,
    programme_names: Mapping[int, str],
    period: Period,
    comment_k: int,
) -> Report:
    """Every figure, before the auditor: never returned to a caller as it is."""
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
    # A problem report goes to the admins, privately, as the check-in promises: never here.
    checkins.pop(PROBLEM, None)
    windows = [period.weeks] + ([previous.weeks] if previous else [])
    totals = await queries.feedback_totals(session, programme_id, windows)

    current = [row for row in totals if row.window == 0]
    total = sum((_Sums.of(r) for r in current), _Sums())
    prior = [_Sums.of(r) for r in totals if r.window == 1]
    previous_feedback: Feedback | None = None
    if previous is not None:
        prior_total = sum(prior, _Sums())
        previous_feedback = prior_total.figures(prior_total.answers > 0)

    role_feedback = _partition(_grouped((_role_key(r.role), _Sums.of(r)) for r in current))
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
        by_programme = _programme_slices(programme_names, participation, pairs, met_now, current)

    by_track: tuple[Slice, ...] = ()
    track_counts: dict[int, dict[str | None, int]] = {}
    chosen = await session.get(Programme, programme_id) if programme_id is not None else None
    if chosen is not None and chosen.id is not None and chosen.priority_tracks:
        by_track, track_counts[chosen.id] = await _track_slices(
            session, chosen.id, list(chosen.priority_tracks), participation, period
        )

    comments: tuple[str, ...] = ()
    if total.answers >= comment_k:
        comments = await _comments(session, programme_id, period, current, track_counts, comment_k)

    chart = await _chart(session, programme_id, period)
    return Report(
        programme=programme_names.get(programme_id) if programme_id is not None else None,
        period=period,
        k=0,
        comment_k=comment_k,
        mentors=by_role[0].active or 0,
        mentees=by_role[1].active or 0,
        paused=sum(p.paused for p in participation),
        unmatched=sum(p.unmatched for p in participation),
        active_pairs=sum(pairs.values()),
        running=sum(m.running for m in met_now),
        met=sum(m.met for m in met_now),
        previous_running=sum(m.running for m in met_before) if met_before is not None else None,
        previous_met=sum(m.met for m in met_before) if met_before is not None else None,
        checkins=dict(checkins),
        feedback=total.figures(total.answers > 0),
        previous_feedback=previous_feedback,
        by_role=by_role,
        by_programme=by_programme,
        labels=(chosen.labels or {}) if chosen is not None else {},
        comments=comments,
        chart=chart,
        comments_allowed=total.answers >= comment_k,
        by_track=by_track,
    )


async def _comments(
    session: AsyncSession,
    programme_id: int | None,
    period: Period,
    current: Sequence[FeedbackTotals],
    track_counts: dict[int, dict[str | None, int]],
    comment_k: int,
) -> tuple[str, ...]:
    """Excerpts of comments whose every containing slice holds ``comment_k`` answers.

    Not only the report's total: a comment from a programme with one respondent,
    or from the only mentor of a programme, or the only person of a track, would
    otherwise show up in the all-programmes report. The finest cell checked is the
    programme × role of the answer (which every programme and role slice contains),
    and its programme × track when it has a track.
    """
    cells: dict[tuple[int | None, str], int] = defaultdict(int)
    for row in current:
        cells[(row.programme_id, _role_key(row.role))] += row.answers
    sample = await queries.sample_comments(session, programme_id, period.weeks, COMMENT_SAMPLE)
    kept = []
    for comment in sample:
        if cells.get((comment.programme_id, _role_key(comment.role)), 0) < comment_k:
            continue
        if comment.track is not None and comment.programme_id is not None:
            if comment.programme_id not in track_counts:
                answers = await queries.feedback_by_track(
                    session, comment.programme_id, period.weeks
                )
                track_counts[comment.programme_id] = {t: f.answers for t, f in answers.items()}
            if track_counts[comment.programme_id].get(comment.track, 0) < comment_k:
                continue
        kept.append(comment.text)
    return tuple(comment_excerpts(kept, comment_k, comment_k))


async def _track_slices(
    session: AsyncSession,
    programme_id: int,
    tracks: Sequence[str],
    participation: Sequence[queries.Participation],
    period: Period,
) -> tuple[tuple[Slice, ...], dict[str | None, int]]:
    """One programme split by priority track, people without one in ``other``; and the
    answers of each stored track (for the comments' rule).

    The track slices and ``other`` partition the programme (a track no longer
    among the programme's counts as ``other``), so they are audited together.
    """

    def key(track: str | None) -> str:
        return track if track is not None and track in tracks else OTHER

    pairs = await queries.pairs_by_track(session, programme_id, period.start, period.end)
    answers = await queries.feedback_by_track(session, programme_id, period.weeks)
    figures = _partition(_grouped((key(track), _Sums.of(row)) for track, row in answers.items()))
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
    return tuple(slices), {t: row.answers for t, row in answers.items()}


def _programme_slices(
    names: Mapping[int, str],
    participation: Sequence[queries.Participation],
    pairs: Mapping[int, int],
    met: Sequence[queries.Meetings],
    feedback: Sequence[FeedbackTotals],
) -> tuple[Slice, ...]:
    figures = _partition(_grouped((r.programme_id, _Sums.of(r)) for r in feedback))
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
    session: AsyncSession, programme_id: int | None, period: Period
) -> tuple[ChartPoint, ...]:
    """Meetings and satisfaction over time, each point knowing which window it lies in.

    Buckets inside the period split its total exactly (and so do those of the
    previous period): the auditor knows these relations.
    """
    buckets = chart_buckets(period)
    bounds = [b.start for b in buckets] + [buckets[-1].end]
    week_bounds = [b.weeks[0] for b in buckets] + [buckets[-1].weeks[1]]
    met = await queries.meeting_series(session, programme_id, bounds)
    satisfaction = await queries.satisfaction_series(session, programme_id, week_bounds)
    windows = [period.weeks] + ([period.previous.weeks] if period.previous else [])
    points = []
    for index, bucket in enumerate(buckets):
        answers, average = satisfaction.get(index, (0, None))
        points.append(
            ChartPoint(
                bucket.start,
                bucket.unit,
                met.get(index, 0),
                round(average, 1) if average is not None and answers else None,
                answers > 0,
                answers,
                min(_window_of(bucket, windows), 2),
            )
        )
    return tuple(points)


# --- Publication: the auditor decides, then everything hidden is taken out -----------------

Cell = tuple[str | None, str]  # (the report's programme, None for all; the cell's name)
PEOPLE = ("active", "paused", "unmatched", "active_pairs", "running", "met")


def _feedback_table(reports: Sequence[Report]) -> tuple[dict[Cell, int], list[Relation[Cell]]]:
    """Every feedback cell the reports publish, and the additive relations between them."""
    counts: dict[Cell, int] = {}
    relations: list[Relation[Cell]] = []

    def family(scope: str | None, parent: str, children: dict[str, int]) -> None:
        """``parent`` = sum of ``children``, with what the children miss as a hidden rest."""
        keys = [(scope, name) for name in children]
        counts.update(zip(keys, children.values(), strict=True))
        rest = counts[(scope, parent)] - sum(children.values())
        if rest:  # e.g. answers of a deleted programme: never shown, still in the total
            keys.append((scope, f"{parent}~rest{len(relations)}"))
            counts[keys[-1]] = rest
        relations.append(Relation((scope, parent), tuple(keys)))

    for r in reports:
        scope = r.programme
        counts[(scope, "total")] = r.feedback.answers
        family(scope, "total", {f"role:{s.key}": s.feedback.answers for s in r.by_role})
        if r.by_programme:
            family(
                scope, "total", {f"programme:{s.key}": s.feedback.answers for s in r.by_programme}
            )
        if r.by_track:
            family(scope, "total", {f"track:{s.key}": s.feedback.answers for s in r.by_track})
        points = {i: p for i, p in enumerate(r.chart)}
        for window, parent in ((0, "total"), (1, "previous")):
            if window == 1:
                if r.previous_feedback is None:
                    continue
                counts[(scope, "previous")] = r.previous_feedback.answers
            inside = {f"chart:{i}": p.answers for i, p in points.items() if p.window == window}
            if inside:
                family(scope, parent, inside)
        for i, p in points.items():
            if p.window == 2:
                counts[(scope, f"chart:{i}")] = p.answers
    # Across reports published together: all programmes = the sum of each programme.
    overall = next((r for r in reports if r.programme is None), None)
    parts = [r for r in reports if r.programme is not None]
    if overall is not None and parts:
        names = [r.programme for r in parts]
        for name in names:
            relations.append(Relation((None, f"programme:{name}"), ((name, "total"),)))
        shared = {cell for scope, cell in counts if scope is None and "~" not in cell}
        for cell in sorted(shared - {"total"}):
            if cell.startswith(("programme:", "track:")):
                continue
            children = [(name, cell) for name in names if (name, cell) in counts]
            if children:
                rest = counts[(None, cell)] - sum(counts[c] for c in children)
                if rest:
                    children.append((None, f"{cell}~other-programmes"))
                    counts[children[-1]] = rest
                relations.append(Relation((None, cell), tuple(children)))
    return counts, relations


def _people_hidden(report: Report, k: int) -> set[tuple[str, str]]:
    """Track slices' people and pair counts below ``k``, with what would give them away
    (the programme's figure, published in the header, minus the other tracks)."""
    hidden: set[tuple[str, str]] = set()
    if not report.by_track:
        return hidden
    for measure in PEOPLE:
        values = {s.key: int(getattr(s, measure) or 0) for s in report.by_track}
        counts: dict[str, int] = {"*": sum(values.values()), **values}
        found = audit(counts, [Relation("*", tuple(values))], k, shown={"*"})
        hidden |= {(name, measure) for name in found if name != "*"}
    return hidden


def _redact_feedback(f: Feedback, cell: Cell, hidden: frozenset[Cell], k: int) -> Feedback:
    if f.shown and (cell in hidden or f.answers < k):
        return Feedback(f.answers, False)
    return f


def publish(raws: Sequence[Report], k: int) -> list[Report]:
    """The reports as they may be shown: every cell the auditor hides is taken out."""
    counts, relations = _feedback_table(raws)
    hidden = audit(counts, relations, k)
    published = []
    for r in raws:
        scope = r.programme

        def redact(f: Feedback, name: str, scope: str | None = scope) -> Feedback:
            return _redact_feedback(f, (scope, name), hidden, k)

        people = _people_hidden(r, k)
        tracks = []
        for s in r.by_track:
            cleared: dict[str, Any] = {m: None for m in PEOPLE if (s.key, m) in people}
            tracks.append(replace(s, feedback=redact(s.feedback, f"track:{s.key}"), **cleared))
        chart = tuple(
            p
            if p.usefulness is None or ((scope, f"chart:{i}") not in hidden and p.answers >= k)
            else replace(p, usefulness=None)
            for i, p in enumerate(r.chart)
        )
        previous = r.previous_feedback
        published.append(
            replace(
                r,
                k=k,
                feedback=redact(r.feedback, "total"),
                previous_feedback=redact(previous, "previous") if previous else None,
                by_role=tuple(
                    replace(s, feedback=redact(s.feedback, f"role:{s.key}")) for s in r.by_role
                ),
                by_programme=tuple(
                    replace(s, feedback=redact(s.feedback, f"programme:{s.key}"))
                    for s in r.by_programme
                ),
                by_track=tuple(tracks),
                chart=chart,
                checkins={
                    answer: n if n is None or n == 0 or n >= k else None
                    for answer, n in r.checkins.items()
                },
                comments=r.comments if is_visible(r.feedback.answers, k) else (),
            )
        )
    return published
