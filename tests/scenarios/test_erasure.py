"""``leave`` erases: after a whole programme, nothing names or targets the person any more.

The scan reads every column of every table known to the SQLAlchemy metadata, so
a table added later is covered without touching this test. On SQLite it also
reads the database file and its write-ahead log byte by byte.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlmodel import SQLModel

import storage.local_chat  # noqa: F401  (registers the local chat's tables on the metadata)
from bot.core.i18n import translator
from bot.core.model import Platform, Reply
from bot.outbox.worker import OutboxWorker
from conversations.feedback import survey_offer
from storage.reporting_lines import replace_reporting_lines
from storage.tables import (
    CheckIn,
    FeedbackAnswer,
    MatchRound,
    OutboxMessage,
    Pair,
    Person,
    StatsView,
)
from storage.types import utcnow
from testkit.outbox import FakeSender
from tests.conftest import ADMIN_ID
from tests.harness import Harness, Turn
from tests.harness import Person as Speaker
from tests.scenarios.matching_people import enrol, make_programme, pairs, person_id, rows

NAME = "Quentin Zorglub"
GOALS = "Goals-marker-7q2 learn about podcasts"
DEPARTMENT = "Dept-marker-7q2"
SELF = "Selfdesc-marker-7q2, neurodivergent"
COMMENT = "Comment-marker-7q2 the sessions help"


async def drain(harness: Harness, sender: FakeSender) -> None:
    """Send everything due now (the worker purges the bodies of what it sent)."""
    worker = OutboxWorker(
        harness.engine.db, {sender.platform: sender}, admins=harness.engine.admins
    )
    await worker.drain(utcnow() + timedelta(days=3))


async def every_value(harness: Harness) -> list[tuple[str, str, Any]]:
    """(table, column, value) for every column of every row of every table."""
    found = []
    async with harness.engine.db.session() as session:
        conn = await session.connection()
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                found += [(table.name, column, value) for column, value in row.items()]
    return found


def as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""


async def a_whole_programme(harness: Harness) -> tuple[Speaker, Speaker, int]:
    """Quentin (an admin, and a manager in HR's file) enrolls, is matched, checks in,
    answers a survey and looks at the statistics; Bob is his mentee."""
    programme = await make_programme(harness, priority_tracks=["Neurodivergent"])
    quentin = harness.person(NAME, user_id=ADMIN_ID, platform=Platform.SLACK)
    bob = harness.person("Bob", platform=Platform.SLACK)
    await enrol(
        quentin,
        "mentor",
        department=DEPARTMENT,
        goals=GOALS,
        self_description=SELF,
        consent=True,
    )
    await enrol(bob, "mentee", department="Legal")
    await quentin.types("/mentoring admin match")
    await quentin.clicks("Approve and introduce")
    [pair] = await pairs(harness, "active")
    assert pair.id is not None
    sender = FakeSender(platform=Platform.SLACK)
    await drain(harness, sender)  # the group introduction naming Quentin was sent
    assert any(NAME in d.text for d in sender.delivered)
    qid, bob_id = await person_id(harness, quentin), await person_id(harness, bob)
    async with harness.engine.db.session() as session:
        session.add(
            CheckIn(
                pair_id=pair.id,
                cycle=1,
                due_at=utcnow(),
                status="answered",
                answer="met",
                answered_by=qid,
                answered_at=utcnow(),
            )
        )
        # HR's file: Quentin reports to someone, and Bob reports to Quentin.
        await replace_reporting_lines(session, "slack", "T1", {ADMIN_ID: "UBOSS", "UBOB": ADMIN_ID})
        bob_row = await session.get(Person, bob_id)
        assert bob_row is not None
        bob_row.manager_user_id = ADMIN_ID
        session.add(bob_row)
        # A round that left Quentin unmatched, in another cohort.
        session.add(
            MatchRound(
                programme_id=programme.id or 0,
                status="approved",
                created_by=ADMIN_ID,
                summary={"unmatched": [{"person_id": qid, "role": "mentor", "reason": "x"}]},
            )
        )
    message = survey_offer(translator("en"), f"checkin:{pair.id}:1")
    quentin.turns.append(Turn([Reply(message)]))
    await quentin.clicks("Give anonymous feedback")
    await quentin.submits(usefulness="4", recommend="9", comment=COMMENT)
    assert quentin.sees("Thank you")
    await quentin.types("/mentoring stats", in_channel=harness.channel())
    await quentin.types("/mentoring edit")  # a dialogue left half-way
    await quentin.submits(role="mentor")
    # A check-in reminder to Bob naming Quentin, not sent yet.
    async with harness.engine.db.session() as session:
        session.add(
            OutboxMessage(
                key=f"checkin:{pair.id}:2:{bob_id}",
                platform="slack",
                person_id=bob_id,
                target={"platform": "slack", "workspace": "T1", "user_id": "UBOB"},
                payload={"text": f"Did you and {NAME} meet?"},
                next_attempt_at=utcnow() + timedelta(days=1),
            )
        )
    return quentin, bob, qid


async def test_leave_after_a_whole_programme_leaves_nothing_that_names_the_person(
    harness: Harness, tmp_path: Path
) -> None:
    quentin, bob, qid = await a_whole_programme(harness)
    needles = [ADMIN_ID, NAME, GOALS, DEPARTMENT, SELF]
    before = [v for v in await every_value(harness) if any(n in as_text(v[2]) for n in needles)]
    assert {table for table, _, _ in before} >= {
        "person",
        "enrolment",
        "dialogue",
        "outbox",
        "reporting_line",
        "stats_view",
        "match_round",
    }

    await quentin.types("/mentoring leave")
    await quentin.clicks("Yes, erase my data")
    assert quentin.sees("your data has been erased")
    await drain(harness, FakeSender(platform=Platform.SLACK))

    left = [
        (table, column, value)
        for table, column, value in await every_value(harness)
        if any(n.lower() in as_text(value).lower() for n in needles)
    ]
    assert left == []
    person_columns = [
        (table.name, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "person" for fk in column.foreign_keys)
    ]
    values = await every_value(harness)
    assert [
        (t, c, v) for t, c, v in values if (t, c) in person_columns and v == qid
    ] == []  # nothing points to the person's old id either
    summaries = [v for t, c, v in values if t == "match_round" and c == "summary"]
    assert [s["unmatched"] for s in summaries] == [[], []]
    # The anonymous aggregates stay: the answer (with its comment, which no key links to
    # anyone), the ended pair, the check-in, and the view (without the viewer).
    [answer] = await rows(harness, FeedbackAnswer)
    assert (answer.usefulness, answer.comment) == (4, COMMENT)
    [pair] = await rows(harness, Pair)
    assert (pair.status, pair.mentor_id) == ("ended", None)
    assert [c.answer for c in await rows(harness, CheckIn)] == ["met"]
    [view] = await rows(harness, StatsView)
    assert view.viewer_user_id == "(erased)"
    # Bob is still there, and was told neutrally.
    assert [p.user_id for p in await rows(harness, Person)] == [bob.user.user_id]

    if harness.engine.db.is_sqlite:
        # Not in the file's free pages, nor in the write-ahead log.
        database = Path(harness.engine.db.url.split("///", 1)[1])
        files = [database, Path(f"{database}-wal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        for needle in [ADMIN_ID, NAME, GOALS, DEPARTMENT, SELF]:
            assert needle.encode() not in raw, needle
        async with harness.engine.db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA secure_delete"))).scalar() == 1


async def test_a_pending_group_introduction_is_not_sent_after_one_member_left(
    harness: Harness,
) -> None:
    # The attack: the group introduction's outbox row has no person_id, so erasing the
    # leaver used to leave it queued, and it was still sent, naming them, after they left.
    await make_programme(harness)
    quentin = harness.person(NAME, user_id=ADMIN_ID, platform=Platform.SLACK)
    bob = harness.person("Bob", platform=Platform.SLACK)
    await enrol(quentin, "mentor", department="IT")
    await enrol(bob, "mentee", department="Legal")
    await quentin.types("/mentoring admin match")
    await quentin.clicks("Approve and introduce")
    [group] = [r for r in await rows(harness, OutboxMessage) if r.key.endswith(":group")]
    assert group.person_id is None and group.status == "pending"
    await quentin.types("/mentoring leave")
    await quentin.clicks("Yes, erase my data")
    sender = FakeSender(platform=Platform.SLACK)
    await drain(harness, sender)
    assert sender.delivered == []  # nothing names Quentin any more
    # Bob gets a 1:1 instead (sent in his working hours): the neutral notice.
    [told] = [r for r in await rows(harness, OutboxMessage) if r.status == "pending"]
    assert told.target["user_id"] == bob.user.user_id and told.key.startswith("partner-left:")
    assert "partner has left" in json.dumps(told.payload) and NAME not in json.dumps(told.payload)
    [cancelled] = [r for r in await rows(harness, OutboxMessage) if r.key.endswith(":group")]
    assert cancelled.status == "cancelled" and cancelled.payload == {}
    assert ADMIN_ID not in json.dumps(cancelled.target)


async def test_a_sent_message_keeps_only_its_delivery_metadata(harness: Harness) -> None:
    await make_programme(harness)
    quentin = harness.person(NAME, user_id=ADMIN_ID, platform=Platform.SLACK)
    bob = harness.person("Bob", platform=Platform.SLACK)
    await enrol(quentin, "mentor", department="IT")
    await enrol(bob, "mentee", department="Legal")
    await quentin.types("/mentoring admin match")
    await quentin.clicks("Approve and introduce")
    await drain(harness, FakeSender(platform=Platform.SLACK))
    sent = [r for r in await rows(harness, OutboxMessage) if r.status == "sent"]
    assert sent and all(r.payload == {} and r.platform_message_id and r.sent_at for r in sent)
