"""The period rules: what a report may show given what earlier reports showed.

Each report is audited on its own (``bot.stats.report.publish``); these rules
close the attacks *across* reports, using the figures last shown, kept per scope
(all programmes, or one programme) and period label in ``published_figure`` and
shared by ``/mentoring stats`` and the CSV export:

- **Open periods change by at least k.** While a period is still open (a rolling
  keyword, or a calendar period that has not ended), its feedback figures are
  replaced by the last shown ones unless the number of answers moved by at least
  *k* since then: asking before and after one answer shows the same thing.
  ("Not enough answers yet" gives nothing to subtract from: the first figures
  over *k* answers are shown as soon as they exist.)
  A closed period no longer changes (answers carry the week they were given in).
- **Calendar buckets stay consistent.** Calendar periods are a tree (ISO weeks,
  by their Monday, ⊂ months ⊂ quarters ⊂ years, all disjoint at one
  granularity). A calendar period's feedback is shown only when, together with
  every calendar total of the same scope shown before, no cell of that year's
  tree below *k* (nor a small group of siblings) can be recovered by adding and
  subtracting (``bot.stats.disclosure.leaks``). So a month is withheld when its
  weeks, shown before, leave one small week as the difference, and a week is
  withheld when its month and sibling weeks would give another week away.

When a figure is withheld, the whole feedback part of the report is (its roles,
programmes and tracks add up to the total, and its chart points inside the
period too): "not enough answers yet to show this anonymously".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.stats.disclosure import Relation, leaks
from bot.stats.periods import Period, first_monday_from, iso_week
from bot.stats.report import ChartPoint, Feedback, Report, Slice
from storage import stats as queries

_CALENDAR = re.compile(r"^\d{4}(-W\d{2}|-Q[1-4]|-\d{2})?$")


def scope_key(programme_id: int | None) -> str:
    """The memory's key of a report's scope."""
    return "all" if programme_id is None else f"programme:{programme_id}"


def is_calendar(label: str) -> bool:
    """A calendar bucket's label (``2026``, ``2026-Q4``, ``2026-11``, ``2026-W48``)."""
    return bool(_CALENDAR.match(label))


def is_open(period: Period, now: datetime) -> bool:
    """Still collecting answers: a rolling window (it ends now) or a bucket not over yet."""
    return not is_calendar(period.label) or period.end > now


# --- The calendar tree of one year --------------------------------------------------------


def year_tree(
    year: int, weekly: Sequence[int], mondays: Sequence[datetime]
) -> tuple[dict[str, int], list[Relation[str]]]:
    """The year's buckets (by label) with their answers, and ``parent = sum(children)``.

    ``mondays[i]`` starts the week whose answers are ``weekly[i]``; a week belongs
    to the month, quarter and year of its Monday, as everywhere in the reports.
    """
    counts: dict[str, int] = {f"{year:04d}": 0}
    months: dict[str, list[str]] = {}
    for monday, n in zip(mondays, weekly, strict=True):
        week, month = iso_week(monday), f"{year:04d}-{monday.month:02d}"
        counts[week] = n
        months.setdefault(month, []).append(week)
    relations: list[Relation[str]] = []
    quarters: dict[str, list[str]] = {}
    for month, weeks in months.items():
        counts[month] = sum(counts[w] for w in weeks)
        relations.append(Relation(month, tuple(weeks)))
        quarter = f"{year:04d}-Q{(int(month[5:]) - 1) // 3 + 1}"
        quarters.setdefault(quarter, []).append(month)
    for quarter, members in quarters.items():
        counts[quarter] = sum(counts[m] for m in members)
        relations.append(Relation(quarter, tuple(members)))
    counts[f"{year:04d}"] = sum(counts[q] for q in quarters)
    relations.append(Relation(f"{year:04d}", tuple(quarters)))
    return counts, relations


def year_mondays(year: int) -> list[datetime]:
    """The Mondays (00:00 UTC) of a calendar year."""
    first = first_monday_from(datetime(year, 1, 1, tzinfo=UTC))
    stop = first_monday_from(datetime(year + 1, 1, 1, tzinfo=UTC))
    mondays = []
    while first < stop:
        mondays.append(first)
        first += timedelta(days=7)
    return mondays


async def _consistent(
    session: AsyncSession,
    programme_id: int | None,
    period: Period,
    shown_before: set[str],
    k: int,
) -> bool:
    """The calendar period may be shown next to the calendar totals shown before."""
    year = period.start.year
    mondays = year_mondays(year)
    bounds = [iso_week(m) for m in mondays] + [iso_week(mondays[-1] + timedelta(days=7))]
    series = await queries.satisfaction_series(session, programme_id, bounds)
    weekly = [series.get(i, (0, None))[0] for i in range(len(mondays))]
    counts, relations = year_tree(year, weekly, mondays)
    if period.label not in counts:
        return True  # not a bucket of this tree (cannot happen for a calendar label)
    published = {label for label in shown_before if label in counts} | {period.label}
    return not leaks(counts, relations, k, published)


# --- Freezing and withholding the feedback part of a report -------------------------------


def _fb(f: Feedback) -> list[Any]:
    return [f.answers, f.shown, f.usefulness, f.nps]


def _unfb(raw: Any) -> Feedback:
    answers, shown, usefulness, nps = raw
    return Feedback(int(answers), bool(shown), usefulness, nps)


def figures_of(report: Report) -> dict[str, Any]:
    """The feedback part of a report as shown, to repeat it while the period is open."""
    return {
        "total": _fb(report.feedback),
        "role": {s.key: _fb(s.feedback) for s in report.by_role},
        "programme": {s.key: _fb(s.feedback) for s in report.by_programme},
        "track": {s.key: _fb(s.feedback) for s in report.by_track},
        "chart": {p.start.isoformat(): p.usefulness for p in report.chart if p.window == 0},
    }


def _slices(slices: Sequence[Slice], known: dict[str, Any]) -> tuple[Slice, ...]:
    return tuple(
        replace(s, feedback=_unfb(known[s.key]) if s.key in known else Feedback(0, False))
        for s in slices
    )


def repeat(report: Report, figures: dict[str, Any]) -> Report:
    """The report with the feedback figures last shown (new answers not counted yet).

    Comment excerpts are not figures: they keep their own rule (every slice holding
    one has at least the comment threshold), so they are left as drawn.
    """
    chart = figures.get("chart", {})
    return replace(
        report,
        feedback=_unfb(figures["total"]),
        by_role=_slices(report.by_role, figures.get("role", {})),
        by_programme=_slices(report.by_programme, figures.get("programme", {})),
        by_track=_slices(report.by_track, figures.get("track", {})),
        chart=tuple(_point(p, chart) for p in report.chart),
        period_rule="repeated" if figures != figures_of(report) else report.period_rule,
    )


def _point(p: ChartPoint, shown: dict[str, Any]) -> ChartPoint:
    if p.window != 0:
        return p
    return replace(p, usefulness=shown.get(p.start.isoformat()))


def withhold(report: Report) -> Report:
    """The report with its period's feedback hidden ("not enough answers yet")."""

    def hide(f: Feedback) -> Feedback:
        return Feedback(f.answers, False)

    return replace(
        report,
        feedback=hide(report.feedback),
        by_role=tuple(replace(s, feedback=hide(s.feedback)) for s in report.by_role),
        by_programme=tuple(replace(s, feedback=hide(s.feedback)) for s in report.by_programme),
        by_track=tuple(replace(s, feedback=hide(s.feedback)) for s in report.by_track),
        chart=tuple(p if p.window != 0 else replace(p, usefulness=None) for p in report.chart),
        comments=(),
        comments_allowed=False,
        period_rule="withheld",
    )


# --- Scopes against each other: `stats` next to `stats Alpha` --------------------------------

Cell = tuple[str, str]  # (scope key, cell name)


def _role(role: str | None) -> str:
    return role if role in ("mentor", "mentee") else "other"


def scope_table(
    rows: Sequence[queries.FeedbackTotals],
) -> tuple[dict[Cell, int], list[Relation[Cell]]]:
    """Every scope's total and roles, and "all"'s programmes, with the relations between
    them: all = its roles = its programmes; a programme = its roles; all's mentors = the
    sum of each programme's mentors; "programme X" in all = X's own total."""
    counts: dict[Cell, int] = {}
    for row in rows:
        for cell in (
            ("all", "total"),
            ("all", f"role:{_role(row.role)}"),
            ("all", f"programme:{row.programme_id}"),
            (f"programme:{row.programme_id}", "total"),  # programme:None, never shown
            (f"programme:{row.programme_id}", f"role:{_role(row.role)}"),
        ):
            counts[cell] = counts.get(cell, 0) + row.answers
    scopes = sorted({scope for scope, _ in counts})
    roles = sorted({name for _, name in counts if name.startswith("role:")})
    ids = sorted({name for scope, name in counts if name.startswith("programme:")})
    relations: list[Relation[Cell]] = []
    for scope in scopes:
        children = tuple((scope, r) for r in roles if (scope, r) in counts)
        if children:
            relations.append(Relation((scope, "total"), children))
    relations.append(Relation(("all", "total"), tuple(("all", i) for i in ids)))
    for name in ids:  # "programme:<id>" in all = that programme's total
        relations.append(Relation(("all", name), ((f"programme:{name[10:]}", "total"),)))
    for r in roles:
        parts = tuple((s, r) for s in scopes if s != "all" and (s, r) in counts)
        relations.append(Relation(("all", r), parts))
    return counts, relations


def _shown_cells(scope: str, figures: dict[str, Any], ids: dict[str, int]) -> set[Cell]:
    """The cells of ``scope_table`` that these figures (as shown) published."""
    cells: set[Cell] = set()
    if _unfb(figures["total"]).shown:
        cells.add((scope, "total"))
    for key, raw in figures.get("role", {}).items():
        if _unfb(raw).shown:
            cells.add((scope, f"role:{key}"))
    for name, raw in figures.get("programme", {}).items():
        if _unfb(raw).shown and name in ids:
            cells.add((scope, f"programme:{ids[name]}"))
    return cells


def _without_splits(report: Report, programmes: bool) -> Report:
    def hide(s: Slice) -> Slice:
        return replace(s, feedback=Feedback(s.feedback.answers, False))

    return replace(
        report,
        by_role=tuple(hide(s) for s in report.by_role),
        by_programme=tuple(hide(s) for s in report.by_programme)
        if programmes
        else report.by_programme,
    )


async def _across_scopes(
    session: AsyncSession,
    report: Report,
    scope: str,
    ids: dict[str, int],
    k: int,
) -> Report:
    """The report, its splits hidden if needed, so that next to the other scopes' reports
    of the same period shown before no cell below *k* can be recovered."""
    others = await queries.published_for_period(session, report.period.label)
    others.pop(scope, None)
    if not others:
        return report  # nothing to subtract from yet: the usual case, no extra query
    known: set[Cell] = set()
    for other, row in others.items():
        known |= _shown_cells(other, row.figures, ids)
    rows = await queries.feedback_totals(session, None, [report.period.weeks])
    counts, relations = scope_table([r for r in rows if r.window == 0])
    for candidate in (
        report,
        _without_splits(report, programmes=False),
        _without_splits(report, programmes=True),
    ):
        published = known | _shown_cells(scope, figures_of(candidate), ids)
        if not leaks(counts, relations, k, published & counts.keys()):
            return candidate
    return withhold(report)


async def apply_period_rules(
    session: AsyncSession,
    reports: Sequence[Report],
    scopes: Sequence[int | None],
    *,
    now: datetime,
    k: int,
    programme_names: Mapping[int, str] | None = None,
) -> list[Report]:
    """The reports as the period rules allow them, the memory updated with what is shown."""
    ids = {name: pid for pid, name in (programme_names or {}).items()}
    ruled = []
    for report, programme_id in zip(reports, scopes, strict=True):
        scope = scope_key(programme_id)
        label = report.period.label
        memory = await queries.published_figures(session, scope)
        last = memory.get(label)
        actual = report.feedback.answers
        final = not is_open(report.period, now)
        if last is not None and last.shown and (final or abs(actual - last.answers) < k):
            # A closed period's figures are final; an open one's repeat until k answers
            # arrived. After "not enough answers yet" there is nothing to subtract from,
            # so the first figures over k answers may be shown at once.
            ruled.append(repeat(report, last.figures))
            continue
        if is_calendar(label) and report.feedback.shown:
            before = {p for p, row in memory.items() if row.shown and is_calendar(p)}
            if not await _consistent(session, programme_id, report.period, before, k):
                report = withhold(report)
        if report.feedback.shown:
            report = await _across_scopes(session, report, scope, ids, k)
        await queries.remember_figures(
            session,
            scope=scope,
            period=label,
            answers=actual,
            shown=report.feedback.shown,
            figures=figures_of(report),
        )
        ruled.append(report)
    return ruled
