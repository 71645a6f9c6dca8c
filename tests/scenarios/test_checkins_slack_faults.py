"""Check-ins through a flaky Slack: 429s and 500s on a share of the calls, each message once.

The real Slack sender (``adapters/slack/sender.py``) talks HTTP to the in-process
fake Slack Web API, which answers 429 (with ``Retry-After``) to a quarter of the
``chat.postMessage`` calls and 500 to a sixth of every call. Waiting is on a
fake clock, so the test never sleeps.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import select

from adapters.settings import Settings
from adapters.slack.sender import SlackSender
from bot.core.engine import Engine
from bot.core.model import Platform
from bot.core.sweeps import run_sweeps
from bot.outbox.worker import OutboxWorker, RetryPolicy
from storage.db import Database
from storage.tables import Enrolment, OutboxMessage, Pair, Person, Programme
from testkit.outbox import FakeTime
from testkit.slack_api import FakeSlackApi
from tests.scenarios.test_checkins import INTRO, day

PAIRS = 30


async def slack_pairs(db: Database, fake: FakeSlackApi) -> None:
    """30 Slack pairs, introduced on INTRO; everyone works in Paris."""
    async with db.session() as session:
        programme = Programme(name="Reverse mentoring", cadence_days=14, duration_days=180)
        session.add(programme)
        people = []
        for n in range(PAIRS * 2):
            user_id = f"U{n:04d}"
            fake.add_user(user_id, f"user{n}", f"User {n}", tz="Europe/Paris", locale="en-US")
            person = Person(
                platform="slack",
                workspace=fake.team_id,
                user_id=user_id,
                display_name=f"User {n}",
                timezone="Europe/Paris",
            )
            session.add(person)
            people.append(person)
        await session.flush()
        pid = programme.id
        assert pid is not None
        for n in range(PAIRS):
            mentor, mentee = people[2 * n], people[2 * n + 1]
            for person, role in ((mentor, "mentor"), (mentee, "mentee")):
                assert person.id is not None
                session.add(Enrolment(person_id=person.id, programme_id=pid, role=role))
            session.add(
                Pair(
                    programme_id=pid,
                    mentor_id=mentor.id,
                    mentee_id=mentee.id,
                    status="active",
                    introduced_at=INTRO + timedelta(minutes=n),
                )
            )


async def test_every_check_in_arrives_exactly_once_through_429s_and_500s(
    db: Database, settings: Settings
) -> None:
    async with FakeSlackApi() as fake:
        await slack_pairs(db, fake)
        fake.fail_ratio("chat.postMessage", 0.25, status=429, seed=1, retry_after=2)
        fake.fail_ratio("*", 0.17, status=500, seed=2)
        client = fake.web_client()
        at = day(14, 12)  # Monday 13:00 in Paris
        engine = Engine(db, settings, clock=lambda: at)
        assert (await run_sweeps(engine, at))["checkins"] == PAIRS

        time = FakeTime(at)
        worker = OutboxWorker(
            db,
            {Platform.SLACK: SlackSender(client, db, fake.team_id)},
            admins=engine.admins,
            policy=RetryPolicy(max_attempts=12),
            sleep=time.sleep,
            monotonic=time.monotonic,
            wall=time.wall,
        )
        sent = await worker.drain(at, max_wait=3600)

    assert sent == PAIRS * 2
    posted = fake.messages_by_channel()
    assert len(posted) == PAIRS * 2  # one DM channel per person
    assert all(len(messages) == 1 for messages in posted.values())
    assert fake.duplicate_count() == 0
    assert all("Did you and User" in m[0]["text"] for m in posted.values())
    statuses = Counter(c.status for c in fake.calls)
    assert statuses[429] > 0 and statuses[500] > 0  # the faults did happen
    assert time.slept and max(time.slept) >= 2  # Retry-After was honoured
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert {r.status for r in rows} == {"sent"}
    assert all(r.platform_message_id for r in rows)
