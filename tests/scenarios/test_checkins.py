"""Check-ins through a whole programme, on a fake clock: intro → check-ins → nudges → wrap-up.

Alice (Paris) mentors Bob (New York). They were introduced on Monday 2 November
2026; the programme checks in every 14 days and lasts 42 days. Each ``tick``
runs the sweeps and drains the outbox as ``python app.py tick --now`` does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from adapters.settings import Settings
from bot.core.engine import Engine
from bot.core.model import Action, MessageRef, Platform
from bot.core.sweeps import run_sweeps
from bot.outbox.worker import OutboxWorker
from bot.outbox.working_hours import DEFAULT_HOURS
from storage.db import Database
from storage.tables import CheckIn, Enrolment, OutboxMessage, Pair, Programme
from storage.tables import Person as PersonRow
from testkit.outbox import Delivered, FakeSender, FakeTime
from tests.conftest import ADMIN_ID
from tests.harness import Harness, Person, Turn

INTRO = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def day(n: float, hour: int = 10) -> datetime:
    """``n`` days after the introduction, at ``hour`` UTC."""
    return (INTRO + timedelta(days=n)).replace(hour=hour, minute=0)


@dataclass
class Clock:
    """The engine's clock: it shows whatever time the test says."""

    now: datetime = INTRO

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Running:
    """A running programme: the people, their pair, and what reached them."""

    db: Database
    engine: Engine
    harness: Harness
    clock: Clock
    sender: FakeSender
    alice: Person
    bob: Person
    admin: Person
    pair_id: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    async def tick(self, at: datetime) -> None:
        """One scheduler pass at ``at``, then the outbox drained."""
        self.clock.now = at
        await run_sweeps(self.engine, at)
        time = FakeTime(at)
        self.sender.time = time
        worker = OutboxWorker(
            self.db,
            {Platform.LOCAL: self.sender},
            admins=self.engine.admins,
            sleep=time.sleep,
            monotonic=time.monotonic,
            wall=time.wall,
        )
        await worker.drain(at)

    async def run_days(self, start: float, end: float, every_hours: int = 6) -> None:
        """Tick every few hours from day ``start`` to day ``end``."""
        at = day(start, 0)
        while at < day(end, 0):
            await self.tick(at)
            at += timedelta(hours=every_hours)

    def new(self, who: Person) -> list[Delivered]:
        """What reached ``who`` since the last time we looked."""
        got = self.sender.to(who.user.user_id)
        start = self.seen.get(who.user.user_id, 0)
        self.seen[who.user.user_id] = len(got)
        return got[start:]

    async def click(self, who: Person, message: Delivered, label: str) -> Turn:
        """``who`` clicks a button of a message the bot sent them on its own."""
        self.clock.now = max(self.clock.now, message.when or self.clock.now)
        b = message.button(label)
        ref = MessageRef(who.dm, message.message_id)
        return await who._send(Action(who.actor, who.dm, b.action_id, b.value, ref))

    async def pair(self) -> Pair:
        async with self.db.session() as session:
            found = await session.get(Pair, self.pair_id)
        assert found is not None
        return found


async def start_programme(
    db: Database,
    settings: Settings,
    *,
    duration_days: int = 42,
    bob_locale: str = "en-US",
) -> Running:
    """Alice and Bob, enrolled and introduced on INTRO; an admin the bot knows."""
    clock = Clock(INTRO - timedelta(days=7))
    engine = Engine(db, settings, clock=clock)
    harness = Harness(engine)
    alice = harness.person("Alice", timezone="Europe/Paris")
    bob = harness.person("Bob", timezone="America/New_York", locale=bob_locale)
    admin = harness.person("Admin", user_id=ADMIN_ID, timezone="UTC")
    for who in (alice, bob, admin):
        await who.types("/mentoring help")  # the bot now knows them, their language and zone
    async with db.session() as session:
        programme = Programme(
            name="Reverse mentoring", cadence_days=14, duration_days=duration_days
        )
        session.add(programme)
        await session.flush()
        assert programme.id is not None
        people = (await session.exec(select(PersonRow))).all()
        ids = {p.user_id: p.id for p in people if p.id is not None}
        for who, role in ((alice, "mentor"), (bob, "mentee")):
            session.add(
                Enrolment(person_id=ids[who.user.user_id], programme_id=programme.id, role=role)
            )
        pair = Pair(
            programme_id=programme.id,
            mentor_id=ids[alice.user.user_id],
            mentee_id=ids[bob.user.user_id],
            status="active",
            introduced_at=INTRO,
        )
        session.add(pair)
        await session.flush()
        assert pair.id is not None
        pair_id = pair.id
    sender = FakeSender()
    world = Running(db, engine, harness, clock, sender, alice, bob, admin, pair_id)
    return world


@pytest.fixture
async def world(db: Database, settings: Settings) -> Running:
    return await start_programme(db, settings)


def in_working_hours(message: Delivered, tz: str) -> bool:
    assert message.when is not None
    local = message.when.astimezone(ZoneInfo(tz))
    return (
        local.weekday() in DEFAULT_HOURS.weekdays
        and DEFAULT_HOURS.start <= local.time() < DEFAULT_HOURS.end
    )


async def test_a_whole_programme_from_introduction_to_wrap_up(world: Running) -> None:
    alice, bob, admin = world.alice, world.bob, world.admin

    await world.run_days(0, 14)
    assert world.new(alice) == world.new(bob) == []  # nothing before the first cadence

    # Day 14, 10:00 UTC: 11:00 in Paris, 05:00 in New York.
    await world.tick(day(14))
    [alice_checkin] = world.new(alice)
    assert "Did you and Bob meet since November 2, 2026?" in alice_checkin.text
    assert world.new(bob) == []  # still night in New York
    await world.tick(day(14, 14))
    [bob_checkin] = world.new(bob)
    assert "Did you and Alice meet since November 2, 2026?" in bob_checkin.text

    # Bob: not yet. Three days later both get a reminder; Alice answers it: they met.
    await world.click(bob, bob_checkin, "Not yet")
    assert bob.sees("I'll remind you in 3 days")
    await world.run_days(14.6, 17)
    assert world.new(alice) == world.new(bob) == []
    await world.run_days(17, 19)
    [alice_nudge] = world.new(alice)
    [bob_nudge] = world.new(bob)
    assert "You said you hadn't met Bob yet" in alice_nudge.text
    assert "You said you hadn't met Alice yet" in bob_nudge.text
    await world.click(alice, alice_nudge, "We met")
    assert alice.sees("noted that you met")
    feedback = alice.button("feedback.start")
    assert feedback.value == f"checkin:{world.pair_id}:1"
    await world.tick(world.clock.now)  # the worker sends at once what is due
    [bob_told] = world.new(bob)
    assert "Alice told me you met" in bob_told.text
    assert bob_told.button("feedback.start").value == f"checkin:{world.pair_id}:1"

    # Bob's older buttons are now stale, and he is told why.
    await world.click(bob, bob_checkin, "Not yet")
    assert bob.sees("Alice already answered for your pair: you met")
    await world.run_days(20, 28)
    assert world.new(alice) == world.new(bob) == []  # no reminder once answered

    # Cycle 2, then silence: two reminders, then the admins are told.
    await world.run_days(28, 29)
    [alice_second] = world.new(alice)
    [bob_second] = world.new(bob)
    assert "since November 16, 2026" in alice_second.text
    assert "since November 16, 2026" in bob_second.text
    await world.click(bob, bob_checkin, "It's scheduled")  # a cycle-1 button
    assert bob.sees("out of date")
    assert bob.button("checkin.met").value == f"{world.pair_id}:2"  # the current question
    await world.run_days(29, 41)
    alice_later = world.new(alice)
    assert len(alice_later) == 2
    assert all("A gentle reminder: did you and Bob meet" in m.text for m in alice_later)
    assert len(world.new(bob)) == 2
    [silence] = world.new(admin)
    assert "hasn't answered the check-in" in silence.text
    assert "Alice" in silence.text and "Bob" in silence.text

    # Day 42: the pair's time is over.
    await world.run_days(41, 44)
    [alice_end] = world.new(alice)
    [bob_end] = world.new(bob)
    assert "has reached its end" in alice_end.text
    assert alice_end.button("feedback.start").value == f"end:{world.pair_id}"
    assert bob_end.button("feedback.start").value == f"end:{world.pair_id}"
    pair = await world.pair()
    assert (pair.status, pair.end_reason) == ("ended", "completed")
    await world.run_days(44, 60, every_hours=12)
    assert world.new(alice) == world.new(bob) == world.new(admin) == []

    # Every message arrived in its recipient's working hours.
    for who, tz in ((alice, "Europe/Paris"), (bob, "America/New_York"), (admin, "UTC")):
        assert all(in_working_hours(m, tz) for m in world.sender.to(who.user.user_id))

    # The admin can see that nothing is stuck.
    await admin.types("/mentoring admin outbox")
    assert admin.sees(f"Waiting: 0 · sending: 0 · sent: {len(world.sender.delivered)}")
    assert admin.sees("No dead letters")
    await alice.types("/mentoring admin outbox")
    assert alice.sees("Only programme admins")


async def test_a_scheduled_meeting_is_asked_about_the_day_after(world: Running) -> None:
    alice, bob = world.alice, world.bob
    await world.tick(day(14, 14))
    [checkin] = world.new(bob)
    world.new(alice)
    await world.click(bob, checkin, "It's scheduled")
    assert bob.form is not None and bob.form.title == "Meeting scheduled"
    await bob.submits(date="soon")
    assert "date like" in bob.last.errors["date"]
    await bob.submits(date="2026-11-10")
    assert "in the past" in bob.last.errors["date"]
    await bob.submits(date="2026-11-20")  # a Friday
    assert bob.form is None
    assert bob.sees("you plan to meet on November 20, 2026")
    await world.run_days(15, 21)  # the day after is a Saturday: it waits for Monday
    assert world.new(alice) == world.new(bob) == []
    await world.run_days(21, 22)
    [bob_asked] = world.new(bob)
    [alice_asked] = world.new(alice)
    assert "You planned to meet Alice on November 20, 2026. Did it happen?" in bob_asked.text
    assert "You planned to meet Bob on November 20, 2026" in alice_asked.text
    await world.click(alice, alice_asked, "We met")
    async with world.db.session() as session:
        checkin = (await session.exec(select(CheckIn))).one()
    assert (checkin.answer, checkin.status) == ("met", "answered")


async def test_pausing_the_pair_stops_check_ins_until_it_resumes(
    db: Database, settings: Settings
) -> None:
    world = await start_programme(db, settings, duration_days=70)
    alice, bob = world.alice, world.bob
    await world.tick(day(14, 14))
    [checkin] = world.new(alice)
    world.new(bob)
    await world.click(alice, checkin, "Pause our pair")
    assert alice.sees("Your pair is paused")
    assert (await world.pair()).status == "paused"
    await world.run_days(14.6, 35)
    [told] = world.new(bob)
    assert "Alice paused your mentoring pair" in told.text
    assert world.new(alice) == []  # no reminder, no cycle 2 while paused
    await world.click(bob, told, "Resume our pair")
    assert bob.sees("active again")
    await world.run_days(35, 36)
    [again] = world.new(alice)
    assert "Did you and Bob meet since November 16, 2026?" in again.text  # cycle 2, now


async def test_something_is_wrong_goes_to_the_admins_only_with_a_rematch_offer(
    world: Running,
) -> None:
    alice, bob, admin = world.alice, world.bob, world.admin
    await world.tick(day(14, 14))
    [alice_checkin] = world.new(alice)
    [bob_checkin] = world.new(bob)
    await world.click(alice, alice_checkin, "Something is wrong")
    assert alice.sees("privately to the programme admins only; Bob is not told")
    await world.run_days(14.6, 16)
    [notice] = world.new(admin)
    assert "Private: *Alice* says something is wrong in their pair with *Bob*" in notice.text
    assert world.new(bob) == []
    await world.click(bob, bob_checkin, "We met")
    assert bob.sees("This check-in is closed")  # nothing about the report leaks
    await world.click(alice, _delivered(alice), "Yes, find me a new partner")
    assert alice.sees("this pair has ended")
    await world.run_days(16, 18)
    [ended] = world.new(bob)
    assert "Your mentoring pair with Alice in *Reverse mentoring* has come to an end" in ended.text
    [rematch] = world.new(admin)
    assert "*Alice* asked for a new partner" in rematch.text
    pair = await world.pair()
    assert (pair.status, pair.end_reason) == ("ended", "rematch")


def _delivered(who: Person) -> Delivered:
    """The bot's last reply to ``who``, as if it were a delivered message (to click in it)."""
    return Delivered(who.user.user_id, who.last.messages[0], "reply", 0.0)


async def test_the_check_in_speaks_each_members_language(db: Database, settings: Settings) -> None:
    world = await start_programme(db, settings, bob_locale="fr-FR")
    await world.tick(day(14, 14))
    [bob_checkin] = world.new(world.bob)
    assert "Avez-vous pu rencontrer Alice depuis le 2 novembre 2026\u202f?" in bob_checkin.text
    await world.click(world.bob, bob_checkin, "Pas encore")
    assert world.bob.sees("Je vous relance dans 3\u00a0jours")
    [alice_checkin] = world.new(world.alice)
    assert "Did you and Bob meet" in alice_checkin.text


async def test_an_unfinished_enrolment_gets_one_reminder(db: Database, settings: Settings) -> None:
    world = await start_programme(db, settings)
    carol = world.harness.person("Carol", timezone="Europe/Paris")
    await carol.types("/mentoring join")
    assert carol.form is not None
    async with db.session() as session:
        started = (
            await session.exec(text("SELECT updated_at FROM dialogue"))  # type: ignore[call-overload]
        ).scalar_one()
    started = started if isinstance(started, datetime) else datetime.fromisoformat(started)
    started = started.replace(tzinfo=UTC) if started.tzinfo is None else started
    base = started.replace(minute=0, second=0, microsecond=0)
    for hours in range(0, 24 * 6, 4):
        await world.tick(base + timedelta(hours=hours))
    [reminder] = world.new(carol)
    assert "didn't finish" in reminder.text
    assert reminder.when is not None and reminder.when >= started + timedelta(days=2)
    await world.click(carol, reminder, "Resume")
    assert carol.form is not None and carol.form.form_id == "enrol.start"


async def test_two_instances_sweeping_at_once_ask_each_person_once(world: Running) -> None:
    db = world.db
    if db.is_sqlite:
        other_db = Database(db.url)
    else:
        async with db.engine.connect() as conn:
            schema = (await conn.execute(text("SHOW search_path"))).scalar_one()
        other_db = Database(db.url, connect_args={"server_settings": {"search_path": schema}})
    other = Engine(other_db, world.engine.settings)
    try:
        at = day(14, 14)
        await asyncio.gather(run_sweeps(world.engine, at), run_sweeps(other, at))
        await world.tick(at)
    finally:
        await other_db.close()
    assert len(world.new(world.alice)) == len(world.new(world.bob)) == 1
    async with db.session() as session:
        keys = (await session.exec(select(OutboxMessage.key))).all()
    assert sorted(keys) == sorted(
        f"checkin:{world.pair_id}:1:{pid}" for pid in await _member_ids(world)
    )


async def _member_ids(world: Running) -> list[int]:
    pair = await world.pair()
    return [i for i in (pair.mentor_id, pair.mentee_id) if i is not None]
