"""``python app.py import-managers``: who reports to whom, from HR's CSV export.

The matcher never pairs two people in the same reporting line (a junior with
their manager, or their manager's manager). Slack and Teams do not say who
someone's manager is, so HR's export is imported here, and imported again
whenever it changes (each import replaces the workspace's lines as a whole).

The file is CSV with a header row naming a ``user_id`` column and a
``manager_user_id`` column (``manager_id`` and ``manager`` are accepted too);
other columns are ignored. Ids are the platform's: Slack member ids (``U…``),
Teams user ids (``29:…``). An empty manager means the top of the organisation.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.core.cli import CliCommand, Platforms, cli_command
from bot.core.settings import CoreSettings
from storage.db import Database
from storage.reporting_lines import replace_reporting_lines

USER_COLUMNS = ("user_id", "user", "id")
MANAGER_COLUMNS = ("manager_user_id", "manager_id", "manager")
ID_MAX = 128  # ReportingLine's columns
MAX_BYTES = 50 * 1024 * 1024
PLATFORMS = ("slack", "teams")


class ReportingFileError(ValueError):
    """The file cannot be imported at all (no such columns, unreadable)."""


@dataclass
class Parsed:
    """The lines read from a file, and what was wrong with the others."""

    managers: dict[str, str] = field(default_factory=dict)
    tops: int = 0  # people without a manager
    problems: list[str] = field(default_factory=list)  # "line 7: ..." (ids only, never more)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower().lstrip("\ufeff") for h in header]
    return next((lowered.index(n) for n in names if n in lowered), None)


def _valid_id(value: str) -> bool:
    return 0 < len(value) <= ID_MAX and not any(c.isspace() for c in value)


def parse_reporting_csv(text: str) -> Parsed:
    """Read HR's export; raises ``ReportingFileError`` when the header lacks the two columns."""
    # Spreadsheets export with commas, semicolons (French locales) or tabs.
    dialect: type[csv.Dialect] = csv.excel
    with contextlib.suppress(csv.Error):  # undecidable: keep plain CSV
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    rows = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return _parse_rows(rows)
    except csv.Error as exc:
        raise ReportingFileError(f"not readable as CSV near line {rows.line_num}: {exc}") from None


def _parse_rows(rows: Iterator[list[str]]) -> Parsed:
    header = next(rows, None)
    if not header:
        raise ReportingFileError("the file is empty")
    user_at, manager_at = _column(header, USER_COLUMNS), _column(header, MANAGER_COLUMNS)
    if user_at is None or manager_at is None:
        raise ReportingFileError(
            "the header row must name a user_id column and a manager_user_id column"
        )
    parsed = Parsed()
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if max(user_at, manager_at) >= len(row):
            parsed.problems.append(f"line {number}: too few columns")
            continue
        user, manager = row[user_at].strip(), row[manager_at].strip()
        if not _valid_id(user):
            parsed.problems.append(f"line {number}: not a user id")
            continue
        if user in seen:
            parsed.problems.append(f"line {number}: {user} already on line {seen[user]}, kept")
            continue
        seen[user] = number
        if not manager:
            parsed.tops += 1
        elif not _valid_id(manager):
            parsed.problems.append(f"line {number}: not a manager id")
        elif manager == user:
            parsed.problems.append(f"line {number}: {user} is their own manager")
        else:
            parsed.managers[user] = manager
    return parsed


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="HR's CSV export (user_id, manager_user_id), - for stdin")
    parser.add_argument("--platform", choices=PLATFORMS, required=True)
    parser.add_argument(
        "--workspace",
        help="Slack team id (T…) or Teams tenant id; "
        "default: SLACK_TEAM_ID or MICROSOFT_APP_TENANT_ID",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check the file and say what would change"
    )


def _workspace(args: argparse.Namespace, settings: CoreSettings) -> str | None:
    if args.workspace:
        return str(args.workspace)
    return settings.default_workspace(str(args.platform))


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read(MAX_BYTES + 1)
    path = Path(name)
    if path.stat().st_size > MAX_BYTES:
        raise ReportingFileError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return path.read_text(encoding="utf-8-sig")


async def import_managers(
    db: Database, args: argparse.Namespace, settings: CoreSettings, out: TextIO
) -> int:
    """Run the import; its exit status (0 done, 1 nothing usable, 2 bad invocation or file)."""
    workspace = _workspace(args, settings)
    if not workspace:
        print("error: give --workspace (the Slack team id or the Teams tenant id)", file=out)
        return 2
    try:
        parsed = parse_reporting_csv(_read(args.file))
    except (OSError, UnicodeDecodeError, ReportingFileError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"error: cannot import {args.file}: {reason}", file=out)
        return 2
    for problem in parsed.problems[:50]:
        print(f"skipped {problem}", file=out)
    if len(parsed.problems) > 50:
        print(f"... and {len(parsed.problems) - 50} more lines skipped", file=out)
    summary = (
        f"{len(parsed.managers)} reporting lines, {parsed.tops} people without a manager, "
        f"{len(parsed.problems)} lines skipped"
    )
    if not parsed.managers:
        print(f"nothing imported: {summary}", file=out)
        return 1
    if args.dry_run:
        print(f"dry run, nothing saved: {summary}", file=out)
        return 0
    async with db.session() as session:
        await replace_reporting_lines(session, args.platform, workspace, parsed.managers)
    print(f"imported for {args.platform} {workspace}: {summary}", file=out)
    return 0


async def _run(args: argparse.Namespace, settings: CoreSettings, _platforms: Platforms) -> int:
    db = Database(settings.async_database_url)
    try:
        await db.migrate()
        return await import_managers(db, args, settings, sys.stdout)
    finally:
        await db.close()


cli_command(
    CliCommand(
        name="import-managers",
        help="import who reports to whom from HR's CSV (the matcher keeps reporting lines apart)",
        add_arguments=_arguments,
        run=_run,
    )
)
