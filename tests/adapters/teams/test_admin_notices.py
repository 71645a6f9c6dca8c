"""Promises that "the admins are told", followed to the admin's Teams chat.

The admin is listed by tenant and Entra object id (``teams:<tenant>:<aad>``), as
an IT admin would copy it from the directory; the Bot Framework user id the bot
sees is different, and the notice still finds the admin's own 1:1 chat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.core.sweeps import run_sweeps
from bot.outbox.worker import drain
from storage.db import Database
from storage.tables import Person
from storage.types import utcnow
from testkit import teams_activities as ta
from testkit.bot_connector import FakeBotConnector
from testkit.programmes import running_pair
from testkit.teams_world import activity_text, start_world, teams_settings


def next_weekday_morning() -> datetime:
    """10:00 UTC on the next weekday at least a day from now (working hours in London)."""
    day = utcnow() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=10, minute=0, second=0, microsecond=0)


async def test_a_problem_report_reaches_the_teams_admin_by_directory_id(
    db: Database, tmp_path: Path, fake: FakeBotConnector
) -> None:
    admin_aad = "6b8f3f0e-0000-4000-8000-00000000a11c"
    entry = f"teams:{ta.DEFAULT_TENANT_ID}:{admin_aad}"
    world, client = await start_world(db, teams_settings(tmp_path, mentoring_admins=[entry]), fake)
    try:
        ada, bob, grace = world.user("Ada"), world.user("Bob"), world.user("Grace")
        grace.aad_object_id = admin_aad
        for who in (ada, bob, grace):
            await who.types("help")
        engine, senders = world.runtime.engine, world.runtime.senders
        async with db.session() as session:
            people = {p.user_id: p for p in (await session.exec(select(Person))).all()}
            started = utcnow() - timedelta(days=14, hours=1)
            await running_pair(session, people[ada.user_id], people[bob.user_id], started)
        later = next_weekday_morning()
        await run_sweeps(engine, later)
        assert await drain(engine, senders, later) == 2
        await ada.presses("Something is wrong")
        assert ada.sees("privately to the programme admins")
        assert await drain(engine, senders, later + timedelta(hours=1)) == 1

        def told(user_chat: str) -> list[str]:
            texts = [activity_text(a) for a in fake.sent_activities(user_chat)]
            return [t for t in texts if "says something is wrong" in t]

        [notice] = told(grace.chat_id)
        assert "in their pair with Bob" in notice.replace("*", "")
        assert told(ada.chat_id) == told(bob.chat_id) == []
    finally:
        await client.close()
