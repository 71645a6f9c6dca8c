"""Attacks across requests that the period rules (``bot.stats.memory``) close.

Each report is audited on its own (and the export as a whole); the period rules
remember what earlier reports showed (``published_figure``). These tests state
the two attacks of the issue precisely; they failed before the rules existed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.stats.periods import iso_week
from storage.tables import FeedbackAnswer
from storage.types import utcnow
from tests.conftest import MANAGER_ID
from tests.harness import Harness
from tests.scenarios.programme_data import programme


def answers_shown(text: str) -> int | None:
    found = re.search(r"Answers: (\d+)", text)
    return int(found[1]) if found else None


async def answers_in(harness: Harness, programme_id: int, week: str, n: int, rating: int) -> None:
    async with harness.engine.db.session() as session:
        for _ in range(n):
            session.add(
                FeedbackAnswer(
                    programme_id=programme_id,
                    role="mentee",
                    period=week,
                    survey="adhoc",
                    usefulness=rating,
                    recommend=9,
                )
            )


async def test_overlapping_periods_a_month_minus_its_weeks_gives_nothing_small_away(
    harness: Harness,
) -> None:
    p = await programme(harness, "Alpha")
    assert p.id is not None
    first = (utcnow().date().replace(day=1) - timedelta(days=1)).replace(day=1)  # last month
    mondays = [
        first + timedelta(days=d)
        for d in range(31)
        if (first + timedelta(days=d)).month == first.month
        and (first + timedelta(days=d)).weekday() == 0
    ]
    *full, lonely = [iso_week(date(m.year, m.month, m.day)) for m in mondays]
    for week in full:
        await answers_in(harness, p.id, week, 5, 4)
    await answers_in(harness, p.id, lonely, 1, 1)
    maria = harness.person("Maria", user_id=MANAGER_ID)
    weekly = 0
    for week in full:
        await maria.types(f"/mentoring stats Alpha {week}")
        weekly += answers_shown(maria.last.text) or 0
    await maria.types(f"/mentoring stats Alpha {first.year:04d}-{first.month:02d}")
    monthly = answers_shown(maria.last.text)
    assert monthly is None or monthly - weekly == 0 or monthly - weekly >= 5


async def test_before_and_after_one_answer_the_open_period_does_not_change(
    harness: Harness,
) -> None:
    p = await programme(harness, "Alpha")
    assert p.id is not None
    this_week = iso_week(utcnow())
    await answers_in(harness, p.id, this_week, 6, 4)
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Alpha")
    before = answers_shown(maria.last.text)
    await answers_in(harness, p.id, this_week, 1, 1)  # one new answer
    await maria.types("/mentoring stats Alpha")
    after = answers_shown(maria.last.text)
    assert before is not None and after is not None
    assert after - before == 0 or after - before >= 5
