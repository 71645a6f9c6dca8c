"""HR's reporting lines: imported from CSV, and never broken by the matcher."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.settings import Settings
from bot.matching.reporting_lines import ReportingFileError, import_managers, parse_reporting_csv
from storage.db import Database
from storage.reporting_lines import reporting_lines
from tests.conftest import ADMIN_ID
from tests.harness import Harness
from tests.scenarios.matching_people import enrol, make_programme, pairs


def test_a_spreadsheet_export_is_read_whatever_its_separator() -> None:
    comma = "\ufeffName,User_ID,Manager_User_ID\nAnn,U1,U2\nBea,U2,U3\nCeo,U3,\n"
    semicolon = "nom;user_id;manager_id\nAnn;U1;U2\nBea;U2;U3\nCeo;U3;\n"
    for text in (comma, semicolon):
        parsed = parse_reporting_csv(text)
        assert parsed.managers == {"U1": "U2", "U2": "U3"}
        assert (parsed.tops, parsed.problems) == (1, [])


def test_bad_lines_are_skipped_and_named_by_number() -> None:
    parsed = parse_reporting_csv(
        "user_id,manager\nU1,U2\nU1,U9\nU3,U3\nbad id,U2\nU4,not an id\nU5\n\nU6,U2\n"
    )
    assert parsed.managers == {"U1": "U2", "U6": "U2"}
    assert parsed.problems == [
        "line 3: U1 already on line 2, kept",
        "line 4: U3 is their own manager",
        "line 5: not a user id",
        "line 6: not a manager id",
        "line 7: too few columns",
    ]


@pytest.mark.parametrize("text", ["", "name,email\nAnn,ann@example.org\n", "user_id\nU1\n"])
def test_a_file_without_the_two_columns_is_refused(text: str) -> None:
    with pytest.raises(ReportingFileError):
        parse_reporting_csv(text)


@given(st.text(max_size=500))
def test_any_text_is_read_or_refused_cleanly(text: str) -> None:
    try:
        parsed = parse_reporting_csv("user_id,manager_user_id\n" + text)
    except ReportingFileError:
        return
    assert all(u != m and " " not in u + m for u, m in parsed.managers.items())


def _args(file: Path | str, **extra: object) -> argparse.Namespace:
    base = {"file": str(file), "platform": "slack", "workspace": "T1", "dry_run": False}
    return argparse.Namespace(**{**base, **extra})


async def _import(db: Database, args: argparse.Namespace) -> tuple[int, str]:
    out = io.StringIO()
    status = await import_managers(db, args, Settings(_env_file=None), out)
    return status, out.getvalue()


async def test_each_import_replaces_the_workspaces_lines(db: Database, tmp_path: Path) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("user_id,manager_user_id\nU1,U2\nU2,U3\nU3,\n")
    second.write_text("user_id,manager_user_id\nU1,U3\nU4,U3\nU4,U5\n")
    status, said = await _import(db, _args(first, dry_run=True))
    assert status == 0 and said.startswith("dry run, nothing saved: 2 reporting lines")
    async with db.read_session() as session:
        assert await reporting_lines(session, ["slack"]) == []
    status, said = await _import(db, _args(first))
    assert status == 0
    assert "imported for slack T1: 2 reporting lines, 1 people without a manager" in said
    status, said = await _import(db, _args(second))
    assert "skipped line 4: U4 already on line 3, kept" in said
    async with db.read_session() as session:
        lines = sorted(await reporting_lines(session, ["slack"]))
    assert lines == [("slack", "T1", "U1", "U3"), ("slack", "T1", "U4", "U3")]


async def test_an_unusable_file_or_workspace_is_refused_with_a_reason(
    db: Database, tmp_path: Path
) -> None:
    status, said = await _import(db, _args(tmp_path / "missing.csv"))
    assert status == 2 and "cannot import" in said and "No such file" in said
    status, said = await _import(db, _args(tmp_path / "x.csv", workspace=None))
    assert status == 2 and "give --workspace" in said
    empty = tmp_path / "empty.csv"
    empty.write_text("user_id,manager_user_id\nU1,\n")
    status, said = await _import(db, _args(empty))
    assert status == 1 and said.startswith("nothing imported")


async def test_the_matcher_keeps_an_imported_chain_apart(harness: Harness, tmp_path: Path) -> None:
    await make_programme(harness)
    junior, director = harness.person("Jun"), harness.person("Dir")
    await enrol(junior, "mentor", department="IT", seniority=2)
    await enrol(director, "mentee", department="Legal", seniority=6)
    # Jun reports to a manager who never uses the bot, who reports to Dir.
    hr = tmp_path / "hr.csv"
    hr.write_text(f"user_id,manager_user_id\nUJUN,UMID\nUMID,{director.user.user_id}\n")
    platform = junior.user.platform.value
    args = _args(hr, platform=platform, workspace=junior.user.workspace)
    status, _ = await _import(harness.engine.db, args)
    assert status == 0
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("No pair is possible")
    assert await pairs(harness) == []


async def test_mydata_shows_the_imported_manager(harness: Harness, tmp_path: Path) -> None:
    ann = harness.person("Ann")
    await ann.types("mydata")
    assert not ann.sees("HR's records")
    hr = tmp_path / "hr.csv"
    hr.write_text(f"user_id,manager_user_id\n{ann.user.user_id},UBOSS\n")
    args = _args(hr, platform=ann.user.platform.value, workspace=ann.user.workspace)
    assert (await _import(harness.engine.db, args))[0] == 0
    await ann.types("mydata")
    assert ann.sees("Your manager, from HR's records") and ann.sees("UBOSS")
