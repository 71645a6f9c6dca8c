"""``python app.py export``: the statistics' aggregates as CSV, for admins.

The same report as ``/mentoring stats``, with the same anonymity rules (a
hidden figure is an empty cell), one row per slice: the whole scope, each role,
each programme and each point of the time axis. No individual data, no comments.
Programme names and track keys are typed by admins: a cell that a spreadsheet would run as
a formula gets a leading quote (``bot.core.csv_cells``).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bot.core.cli import CliCommand, Platforms, cli_command
from bot.core.csv_cells import safe_writer
from bot.core.settings import CoreSettings
from bot.stats.periods import PeriodError, parse_period
from bot.stats.privacy import anonymity_k, comment_k
from bot.stats.report import Feedback, Report, Slice, build_reports
from storage.db import Database
from storage.programmes import all_programmes, find_programme
from storage.stats import log_view
from storage.types import utcnow

COLUMNS = (
    "programme",
    "period",
    "slice",
    "active",
    "paused",
    "unmatched",
    "active_pairs",
    "pairs_running",
    "pairs_met",
    "met_rate",
    "answers",
    "usefulness",
    "nps",
)


class ExportError(ValueError):
    """The programme or period given to the export is unknown."""


def _feedback_cells(f: Feedback) -> list[str]:
    if not f.shown:
        return ["", "", ""]  # below the anonymity threshold: not even the count
    usefulness = f"{f.usefulness:.1f}" if f.usefulness is not None else ""
    return [str(f.answers), usefulness, str(f.nps) if f.nps is not None else ""]


def _cell(value: int | None) -> str:
    """A count, or an empty cell when it is hidden (fewer than k)."""
    return str(value) if value is not None else ""


def _rate(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else ""


def report_rows(report: Report) -> Iterator[list[str]]:
    """The report's rows, in ``COLUMNS`` order."""
    scope, label = report.programme or "all", report.period.label
    yield [
        scope,
        label,
        "all",
        str(report.mentors + report.mentees),
        str(report.paused),
        str(report.unmatched),
        str(report.active_pairs),
        str(report.running),
        str(report.met),
        _rate(report.met_rate),
        *_feedback_cells(report.feedback),
    ]
    for s in report.by_role:
        yield _slice_row(scope, label, f"role:{s.key}", s)
    for s in report.by_programme:
        yield _slice_row(scope, label, f"programme:{s.key}", s)
    for s in report.by_track:
        yield _slice_row(scope, label, f"track:{s.key}", s, people=True)
    for p in report.chart:
        shown = f"{p.usefulness:.1f}" if p.usefulness is not None else ""
        when = f"{p.unit}:{p.start.date().isoformat()}"
        yield [scope, label, when, "", "", "", "", "", str(p.meetings), "", "", shown, ""]


def _slice_row(
    scope: str, label: str, name: str, s: Slice, *, people: bool | None = None
) -> list[str]:
    if people is None:
        people = s.key != "other"  # the role "other": answers from people no longer enrolled
    return [
        scope,
        label,
        name,
        _cell(s.active) if people else "",
        _cell(s.paused) if people else "",
        _cell(s.unmatched) if people else "",
        str(s.active_pairs) if s.active_pairs is not None else "",
        str(s.running) if s.running is not None else "",
        str(s.met) if s.met is not None else "",
        _rate(s.met_rate),
        *_feedback_cells(s.feedback),
    ]


async def export_csv(
    db: Database,
    settings: CoreSettings,
    *,
    programme: str | None,
    period: str | None,
    now: datetime,
    viewer: str,
) -> str:
    """The CSV text; the export is logged like a stats view."""
    k = anonymity_k(settings.mentoring_anonymity_k)
    try:
        window = parse_period(period or "all", now)
    except PeriodError:
        raise ExportError(
            f"unknown period {period!r}: try week, month, quarter, year, all, "
            "2026-11, 2026-Q4, 2026 or 2026-W48"
        ) from None
    async with db.session() as session:
        programmes = await all_programmes(session)
        names = {p.id: p.name for p in programmes if p.id is not None}
        scopes: list[int | None]
        if programme:
            found = await find_programme(session, programme)
            if found is None or found.id is None:
                known = ", ".join(names.values()) or "none"
                raise ExportError(f"unknown programme {programme!r}; programmes: {known}")
            scopes = [found.id]
        else:
            scopes = [None, *names]
        out = io.StringIO()
        writer = safe_writer(csv.writer(out, lineterminator="\n"))
        writer.writerow(COLUMNS)
        # One file, one publication: the reports are audited together, so that no hidden
        # cell of a programme is "all programmes" minus the cells of the others.
        reports = await build_reports(
            session,
            scopes=scopes,
            programme_names=names,
            period=window,
            k=k,
            comment_k=comment_k(settings.mentoring_comment_k, k),
            now=now,
        )
        for report in reports:
            writer.writerows(report_rows(report))
        await log_view(
            session,
            platform="cli",
            viewer_user_id=viewer,
            programme=names.get(scopes[0]) if programme and scopes[0] is not None else None,
            period=window.label,
            slice_name="export",
        )
    return out.getvalue()


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="write the CSV to this file (default: stdout)")
    parser.add_argument("--programme", help="one programme, by name or id (default: all)")
    parser.add_argument("--period", help="week, month, quarter, year, all (default), 2026-11...")


def _operator() -> str:
    """Who ran the export, for the stats log (the OS account; the CLI has no chat identity)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


async def _run(args: argparse.Namespace, settings: CoreSettings, _platforms: Platforms) -> int:
    db = Database(settings.async_database_url)
    try:
        await db.migrate()
        text = await export_csv(
            db,
            settings,
            programme=args.programme,
            period=args.period,
            now=utcnow(),
            viewer=_operator(),
        )
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.close()
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {text.count(chr(10)) - 1} rows to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


cli_command(
    CliCommand(
        "export",
        "write the statistics' anonymous aggregates as CSV (admins)",
        _arguments,
        _run,
    )
)
