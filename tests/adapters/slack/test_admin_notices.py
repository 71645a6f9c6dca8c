"""Promises that "the admins are told", followed to the admin's Slack DM.

A pair in Slack gets its check-in through the real sender and the fake Web API;
the junior clicks "Something is wrong"; the next outbox pass posts the private
notice in the admin's DM, and in nobody else's, not even a namesake's in
another workspace.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from bot.core.sweeps import run_sweeps
from bot.outbox.worker import drain
from storage.db import Database
from storage.tables import Person
from storage.types import utcnow
from testkit.programmes import running_pair
from tests.adapters.slack.helpers import TEAM, running_slack_app


def next_weekday_morning() -> datetime:
    """10:00 UTC (11:00 in Paris) on the next weekday at least a day from now."""
    day = utcnow() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=10, minute=0, second=0, microsecond=0)


async def test_a_problem_report_reaches_the_slack_admin_and_nobody_else(db: Database) -> None:
    admin_entry = f"slack:{TEAM}:UADMIN"
    async with running_slack_app(db, mentoring_admins=[admin_entry]) as slack:
        priya = slack.person("UPRIYA", "Priya")
        margaret = slack.person("UMARGARET", "Margaret")
        admin = slack.person("UADMIN", "Sofia")
        for who in (priya, margaret, admin):
            await who.types("help")  # the bot now knows them
        engine, senders = slack.runtime.engine, slack.runtime.senders
        start = utcnow() - timedelta(days=14, hours=1)
        async with db.session() as session:
            people = {p.user_id: p for p in (await session.exec(select(Person))).all()}
            await running_pair(session, people["UPRIYA"], people["UMARGARET"], start)
        # Sweep and send on the next weekday morning, inside everyone's working hours.
        later = next_weekday_morning()
        await run_sweeps(engine, later)
        assert await drain(engine, senders, later) == 2  # the check-in, to each of them
        priya.reads_dm()
        await priya.clicks("Something is wrong")
        assert priya.sees("privately to the programme admins")
        await slack.idle()
        assert await drain(engine, senders, later + timedelta(hours=1)) == 1

        notice = admin.reads_dm()
        assert "says something is wrong in their pair with *Margaret*" in notice.text
        assert "something is wrong in their pair" not in margaret.reads_dm().text
        stored = slack.fake.messages_by_channel()
        channels = {c for c, posted in stored.items() if "says something is wrong" in str(posted)}
        assert channels == {admin.dm_channel}
