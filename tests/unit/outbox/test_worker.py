"""The outbox worker: claims, sends once, retries politely, gives up loudly.

Each test queues messages, drains with a fake clock (sleeps are instant) and an
in-process sender, and reads what was delivered and what the table says.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core.identity import roster_of
from bot.core.model import ConversationRef, Platform, UserRef
from bot.core.replies import text_message
from bot.core.serialize import to_data
from bot.outbox.delivery import (
    PermanentError,
    RateLimited,
    TransientError,
    Unreachable,
)
from bot.outbox.worker import OutboxWorker, RetryPolicy
from storage import outbox
from storage.db import Database
from storage.tables import OutboxMessage, Person
from testkit.outbox import FakeSender, FakeTime

ADMIN = "UADMIN"


def user(user_id: str) -> UserRef:
    return UserRef(Platform.LOCAL, "T1", user_id)


async def queue(
    db: Database, time: FakeTime, key: str, target: object, *, after: float = 0
) -> None:
    async with db.session() as session:
        await outbox.enqueue(
            session,
            key=key,
            platform="local",
            target=to_data(target),
            payload=to_data(text_message(f"message {key}")),
            not_before=time.wall() + timedelta(seconds=after),
        )


async def rows(db: Database) -> dict[str, OutboxMessage]:
    async with db.session() as session:
        return {r.key: r for r in (await session.exec(select(OutboxMessage))).all()}


def worker(db: Database, time: FakeTime, sender: FakeSender, **options: object) -> OutboxWorker:
    return OutboxWorker(
        db,
        {Platform.LOCAL: sender},
        admins=roster_of([UserRef(Platform.LOCAL, "T1", ADMIN)]),
        sleep=time.sleep,
        monotonic=time.monotonic,
        wall=time.wall,
        rng=random.Random(7),
        **options,  # type: ignore[arg-type]
    )


async def add_person(db: Database, user_id: str, tz: str = "UTC") -> None:
    async with db.session() as session:
        session.add(Person(platform="local", workspace="T1", user_id=user_id, timezone=tz))


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def sender(time: FakeTime) -> FakeSender:
    return FakeSender(time=time)


async def test_due_messages_are_sent_once_and_their_ids_recorded(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    for n in range(5):
        await queue(db, time, f"k{n}", user(f"U{n}"))
    assert await worker(db, time, sender).drain(time.wall()) == 5
    assert await worker(db, time, sender).drain(time.wall()) == 0  # nothing twice
    assert sorted(d.to for d in sender.delivered) == [f"U{n}" for n in range(5)]
    saved = await rows(db)
    assert {r.status for r in saved.values()} == {"sent"}
    assert {r.platform_message_id for r in saved.values()} == {
        d.message_id for d in sender.delivered
    }
    assert all(r.attempts == 1 and r.claimed_until is None for r in saved.values())


async def test_a_message_waits_for_its_time(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    await queue(db, time, "later", user("U1"), after=3600)
    assert await worker(db, time, sender).drain(time.wall()) == 0
    assert (await rows(db))["later"].status == "pending"
    assert await worker(db, time, sender).drain(time.wall() + timedelta(hours=1)) == 1


async def test_messages_for_a_platform_without_sender_wait(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    async with db.session() as session:
        await outbox.enqueue(
            session,
            key="teams-1",
            platform="teams",
            target=to_data(UserRef(Platform.TEAMS, "tenant", "29:abc")),
            payload=to_data(text_message("hi")),
            not_before=time.wall(),
        )
    assert await worker(db, time, sender).drain(time.wall()) == 0
    assert (await rows(db))["teams-1"].status == "pending"


async def test_a_429_pauses_the_workspace_for_retry_after_and_is_not_an_attempt(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    sender.failures["U1"] = [RateLimited(7)]
    await queue(db, time, "first", user("U1"))
    await queue(db, time, "second", user("U2"), after=1)  # due during the pause
    assert await worker(db, time, sender).drain(time.wall()) == 2
    # Everything after the 429 waited out the pause, the retry and the other person alike.
    assert sorted(d.to for d in sender.delivered) == ["U1", "U2"]
    assert all(d.at >= 7 for d in sender.delivered)
    assert sender.attempts["U1"] == 2
    assert (await rows(db))["first"].attempts == 1


async def test_server_errors_back_off_with_jitter_then_succeed(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    sender.failures["U1"] = [TransientError("500"), TransientError("502")]
    await queue(db, time, "k", user("U1"))
    assert await worker(db, time, sender).drain(time.wall()) == 1
    backoffs = [s for s in time.slept if s >= 0.5]
    assert len(backoffs) == 2
    assert 1.0 <= backoffs[0] <= 2.0 and 2.0 <= backoffs[1] <= 4.0  # 2 s, then 4 s, jittered
    saved = (await rows(db))["k"]
    assert (saved.status, saved.attempts) == ("sent", 3)


async def test_after_n_failures_a_dead_letter_and_the_admins_are_told(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    await add_person(db, ADMIN)
    sender.failures["U1"] = [TransientError("500")] * 10
    await queue(db, time, "doomed", user("U1"))
    sent = await worker(db, time, sender, policy=RetryPolicy(max_attempts=3)).drain(time.wall())
    saved = await rows(db)
    assert saved["doomed"].status == "dead"
    assert saved["doomed"].attempts == 3
    assert "500" in (saved["doomed"].last_error or "")
    assert sender.attempts["U1"] == 3
    assert sent == 1  # the notice to the admin
    [notice] = sender.to(ADMIN)
    assert "could not be delivered" in notice.text
    assert "doomed" in notice.text


async def test_unreachable_is_final_and_the_person_is_no_longer_written_to(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    await add_person(db, "U1")
    sender.failures["U1"] = [Unreachable("bot blocked")]
    await queue(db, time, "k", user("U1"))
    await worker(db, time, sender).drain(time.wall())
    assert (await rows(db))["k"].status == "dead"
    assert sender.attempts["U1"] == 1
    async with db.session() as session:
        [person] = (await session.exec(select(Person).where(Person.user_id == "U1"))).all()
    assert person.reachable is False


async def test_a_refused_message_is_dead_at_once(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    sender.failures["U1"] = [PermanentError("invalid_blocks")]
    await queue(db, time, "k", user("U1"))
    await worker(db, time, sender).drain(time.wall())
    saved = (await rows(db))["k"]
    assert (saved.status, saved.attempts) == ("dead", 1)
    assert "invalid_blocks" in (saved.last_error or "")


async def test_a_group_message_becomes_direct_messages_when_groups_are_unsupported(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    sender.groups = False
    await queue(db, time, "intro:7", [user("U1"), user("U2")])
    assert await worker(db, time, sender).drain(time.wall()) == 2
    assert sorted(d.to for d in sender.delivered) == ["U1", "U2"]
    saved = await rows(db)
    assert saved["intro:7"].status == "cancelled"
    assert saved["intro:7>U1"].status == saved["intro:7>U2"].status == "sent"


async def test_groups_and_channels_are_reached_as_such(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    await queue(db, time, "group", [user("U1"), user("U2")])
    await queue(db, time, "post", ConversationRef(Platform.LOCAL, "T1", "C-general"))
    assert await worker(db, time, sender).drain(time.wall()) == 2
    assert sorted(d.to for d in sender.delivered) == ["C-general", "U1,U2"]


async def test_an_undecodable_row_is_a_dead_letter(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    async with db.session() as session:
        await outbox.enqueue(
            session,
            key="bad",
            platform="local",
            target={"type": "Nonsense"},
            payload={},
            not_before=time.wall(),
        )
    await worker(db, time, sender).drain(time.wall())
    assert (await rows(db))["bad"].status == "dead"
    assert sender.delivered == []


async def test_a_dead_workers_claim_is_taken_over_once_its_lease_has_run_out(
    db: Database, time: FakeTime, sender: FakeSender
) -> None:
    await queue(db, time, "k", user("U1"))
    async with db.session() as session:  # a worker claims the row, then dies
        [claimed] = await outbox.claim_due(
            session,
            worker="dead-worker",
            now=time.wall(),
            wall=time.wall(),
            lease=timedelta(minutes=2),
            platforms=["local"],
            limit=10,
        )
    assert claimed.key == "k"
    assert await worker(db, time, sender).drain(time.wall(), max_wait=0) == 0  # lease still live
    time.advance(121)
    assert await worker(db, time, sender).drain(time.wall()) == 1
    saved = (await rows(db))["k"]
    assert (saved.status, saved.attempts) == ("sent", 2)


async def test_the_worker_loop_wakes_when_the_engine_queues_a_message(db: Database) -> None:
    sender = FakeSender()
    wake = asyncio.Event()
    loop = OutboxWorker(db, {Platform.LOCAL: sender})
    task = asyncio.create_task(loop.run(wake, poll=3600))
    try:
        async with db.session() as session:
            await outbox.enqueue(
                session,
                key="k",
                platform="local",
                target=to_data(user("U1")),
                payload=to_data(text_message("hello")),
            )
        wake.set()
        await sender.wait_for(1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert sender.texts("U1") == ["hello"]


async def _second_database(db: Database) -> Database:
    """Another engine (another connection pool) on the same database, like another instance."""
    if db.is_sqlite:
        return Database(db.url)
    async with db.engine.connect() as conn:
        schema = (await conn.execute(text("SHOW search_path"))).scalar_one()
    return Database(db.url, connect_args={"server_settings": {"search_path": schema}})


async def test_two_workers_on_one_database_never_send_a_message_twice(db: Database) -> None:
    time = FakeTime()
    for n in range(300):
        await queue(db, time, f"k{n}", user(f"U{n}"))
    other = await _second_database(db)
    rng = random.Random(3)
    sender = FakeSender(delay=lambda: rng.random() / 1000)  # real, tiny waits interleave the two
    try:
        first = OutboxWorker(db, {Platform.LOCAL: sender}, worker_id="a", window=16)
        second = OutboxWorker(other, {Platform.LOCAL: sender}, worker_id="b", window=16)
        counts = await asyncio.gather(first.drain(), second.drain())
    finally:
        await other.close()
    per_key = Counter(d.message.text for d in sender.delivered)
    assert len(per_key) == 300
    assert max(per_key.values()) == 1
    assert sum(counts) == 300
    by_worker = Counter(r.claimed_by for r in (await rows(db)).values())
    assert set(by_worker) <= {"a", "b"}
