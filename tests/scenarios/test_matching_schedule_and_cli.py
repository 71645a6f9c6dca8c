"""Programmes that schedule their own rounds, and ``python app.py match`` for admins."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.model import Actions, Reply
from bot.core.serialize import from_data
from bot.core.sweeps import SWEEPS, run_sweeps
from bot.matching.handlers import _cli_arguments, match_command, scheduled_matching
from tests.conftest import ADMIN_ID
from tests.harness import Harness
from tests.scenarios.matching_people import (
    enrol,
    make_programme,
    outbox,
    pairs,
    person_id,
    queued,
    rounds,
    text_of,
)

CREATED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday


async def two_people(harness: Harness, **programme: Any) -> None:
    await make_programme(harness, created_at=CREATED, **programme)
    await enrol(harness.person("Alice"), "mentor", department="IT")
    await enrol(harness.person("Bob"), "mentee", department="Legal")


async def test_a_scheduled_round_waits_for_an_admin_when_not_automatic(harness: Harness) -> None:
    await two_people(harness, match_schedule="every 7 days")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring help")  # the bot knows the admin now

    assert "scheduled_matching" in SWEEPS
    assert await scheduled_matching(harness.engine, CREATED + timedelta(days=6)) == 0
    due = CREATED + timedelta(days=7, minutes=1)
    counts = await run_sweeps(harness.engine, due)
    assert counts["scheduled_matching"] == 1
    assert await scheduled_matching(harness.engine, due) == 0  # not twice for one date
    [rnd] = await rounds(harness)
    assert (rnd.status, rnd.created_by) == ("preview", "schedule")
    assert await pairs(harness, "active") == []
    row = await queued(harness, f"match-round:{rnd.id}:{await person_id(harness, admin)}")
    assert "A scheduled matching round is waiting for your approval" in text_of(row)
    assert "Alice (mentor) → Bob (mentee)" in text_of(row)
    message = from_data(row.payload)
    approve = next(
        b
        for e in message.elements
        if isinstance(e, Actions)
        for b in e.buttons
        if b.action_id == "match.approve"
    )
    admin.turns[-1].intents.append(Reply(message))  # the admin opens the notice
    await admin.clicks(approve.label)
    assert admin.sees("approved: 1 pair introduced")
    assert len(await pairs(harness, "active")) == 1
    # The next round comes 7 days after this one.
    assert await scheduled_matching(harness.engine, due + timedelta(days=6)) == 0
    assert await scheduled_matching(harness.engine, due + timedelta(days=7)) == 1


async def test_an_automatic_programme_matches_and_introduces_on_its_cron(harness: Harness) -> None:
    await two_people(harness, match_schedule="0 9 * * mon", auto_approve=True)
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring help")
    assert await scheduled_matching(harness.engine, datetime(2026, 11, 2, 8, 59, tzinfo=UTC)) == 0
    monday = datetime(2026, 11, 2, 9, 5, tzinfo=UTC)
    assert await scheduled_matching(harness.engine, monday) == 1
    [rnd] = await rounds(harness)
    assert rnd.status == "approved"
    [pair] = await pairs(harness, "active")
    assert pair.introduced_at == monday
    keys = {row.key for row in await outbox(harness)}
    assert {k for k in keys if k.startswith("intro:")} == {
        f"intro:{pair.id}:{pair.mentor_id}",
        f"intro:{pair.id}:{pair.mentee_id}",
    }
    notice = text_of(
        await queued(harness, f"match-round:{rnd.id}:{await person_id(harness, admin)}")
    )
    assert "was approved automatically: 1 pair introduced, 0 people told" in notice


async def test_an_unusable_schedule_is_skipped_without_failing(harness: Harness) -> None:
    await two_people(harness, match_schedule="whenever you like")
    counts = await run_sweeps(harness.engine, CREATED + timedelta(days=30))
    assert counts["scheduled_matching"] == 0
    assert await rounds(harness) == []


async def test_an_admin_command_with_auto_approve_introduces_at_once_unless_preview(
    harness: Harness,
) -> None:
    await two_people(harness, auto_approve=True)
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match --preview")
    assert admin.sees("Proposed pairs") and await outbox(harness) == []
    await admin.types("/mentoring admin match")
    assert admin.sees("approved: 1 pair introduced")
    assert len(await outbox(harness)) == 2
    await admin.types("/mentoring admin match --soon")
    assert admin.sees("I don't know the option(s) soon")


# --- python app.py match ------------------------------------------------------------------


def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _cli_arguments(parser)
    return parser.parse_args(list(argv))


async def run_cli(harness: Harness, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    engine = harness.engine
    status = await match_command(engine.db, engine.settings, cli(*argv), out, CREATED)
    return status, out.getvalue()


async def test_the_cli_previews_exports_and_approves(harness: Harness, tmp_path: Path) -> None:
    await two_people(harness)
    csv_file = tmp_path / "pairs.csv"
    status, out = await run_cli(harness, "--preview", "--csv", str(csv_file))
    assert status == 0
    [rnd] = await rounds(harness)
    assert f"round {rnd.id} of 'Reverse mentoring': preview" in out
    assert "Alice (mentor) → Bob (mentee)" in out
    assert f"python app.py match --approve {rnd.id}" in out
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "round,kind,pair_id,mentor,mentee,score,explanation"
    assert lines[1].startswith(f"{rnd.id},pair,") and ",Alice,Bob," in lines[1]
    assert await outbox(harness) == []

    status, out = await run_cli(harness, "--approve", str(rnd.id))
    assert status == 0 and "1 pairs introduced (2 messages queued)" in out
    assert len(await outbox(harness)) == 2
    status, out = await run_cli(harness, "--approve", str(rnd.id))
    assert status == 1 and "nothing to approve (stale)" in out
    assert len(await outbox(harness)) == 2

    status, out = await run_cli(harness, "--round", str(rnd.id), "--csv", "-")
    assert status == 0 and ",Alice,Bob," in out


async def test_the_cli_says_what_is_wrong(harness: Harness) -> None:
    await make_programme(harness, "One")
    await make_programme(harness, "Two")
    status, out = await run_cli(harness)
    assert status == 2 and "say which programme with --programme" in out and "#1 One" in out
    status, out = await run_cli(harness, "--programme", "Three")
    assert status == 2 and "no programme 'Three'" in out
    status, out = await run_cli(harness, "--programme", "One")
    assert status == 1 and "Nobody is available to match in One" in out
    status, out = await run_cli(harness, "--round", "99")
    assert status == 2 and "no round 99" in out


async def test_csv_cells_never_start_a_spreadsheet_formula(
    harness: Harness, tmp_path: Path
) -> None:
    await make_programme(harness)
    await enrol(harness.person("=HYPERLINK(1)"), "mentor", department="IT")
    await enrol(harness.person("Bob"), "mentee", department="Legal")
    csv_file = tmp_path / "pairs.csv"
    status, _ = await run_cli(harness, "--csv", str(csv_file))
    assert status == 0
    assert ",'=HYPERLINK(1),Bob," in csv_file.read_text(encoding="utf-8")
