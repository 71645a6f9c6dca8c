"""Attacks across requests that the period rules (``bot.stats.memory``) close.

Each report is audited on its own (and the export as a whole); the period rules
remember what earlier reports showed (``published_figure``). These tests state
the two attacks of the issue precisely; they failed before the rules existed.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from adapters.settings import Settings
from bot.stats.export import export_csv
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


def last_month_weeks() -> tuple[date, list[str]]:
    """Last month's first day and the ISO weeks whose Monday falls in it."""
    first = (utcnow().date().replace(day=1) - timedelta(days=1)).replace(day=1)
    days = [first + timedelta(days=d) for d in range(31)]
    weeks = [iso_week(d) for d in days if d.month == first.month and d.weekday() == 0]
    return first, weeks


async def test_a_month_shown_first_withholds_the_week_that_would_give_a_small_one_away(
    harness: Harness,
) -> None:
    p = await programme(harness, "Alpha")
    assert p.id is not None
    first, weeks = last_month_weeks()
    *full, lonely = weeks
    for week in full:
        await answers_in(harness, p.id, week, 5, 4)
    await answers_in(harness, p.id, lonely, 1, 1)
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types(f"/mentoring stats Alpha {first.year:04d}-{first.month:02d}")
    monthly = answers_shown(maria.last.text)
    assert monthly == 5 * len(full) + 1  # nothing else shown yet: the month is safe
    weekly = []
    for week in full:
        await maria.types(f"/mentoring stats Alpha {week}")
        weekly.append(answers_shown(maria.last.text))
    assert weekly[:-1] == [5] * (len(full) - 1)
    assert weekly[-1] is None  # else the month minus the weeks is the lonely answer
    assert maria.sees("not enough answers yet to show this anonymously")
    assert maria.sees("next to the periods shown before, it would give away a small number")


async def test_the_export_repeats_what_the_stats_showed_for_the_open_period(
    harness: Harness, settings: Settings
) -> None:
    p = await programme(harness, "Alpha")
    assert p.id is not None
    this_week = iso_week(utcnow())
    await answers_in(harness, p.id, this_week, 6, 4)
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Alpha week")
    assert answers_shown(maria.last.text) == 6
    await answers_in(harness, p.id, this_week, 1, 1)

    async def exported() -> str:
        text = await export_csv(
            harness.engine.db, settings, programme="Alpha", period="week", now=utcnow(), viewer="o"
        )
        rows = csv.DictReader(io.StringIO(text))
        return next(r for r in rows if r["slice"] == "all")["answers"]

    assert await exported() == "6"  # the memory is shared: the one new answer is not shown
    await answers_in(harness, p.id, this_week, 4, 4)  # k new answers since it was shown
    assert await exported() == "11"
    await maria.types("/mentoring stats Alpha week")
    assert answers_shown(maria.last.text) == 11


async def test_a_calendar_period_still_open_changes_only_by_k(harness: Harness) -> None:
    p = await programme(harness, "Alpha")
    assert p.id is not None
    this_week = iso_week(utcnow())
    await answers_in(harness, p.id, this_week, 5, 4)
    maria = harness.person("Maria", user_id=MANAGER_ID)
    shown = []
    for _ in range(4):
        await maria.types(f"/mentoring stats Alpha {this_week}")
        shown.append(answers_shown(maria.last.text))
        await answers_in(harness, p.id, this_week, 1, 1)
    assert shown == [5, 5, 5, 5]
    assert maria.sees("they change once at least 5 new answers have arrived")
    pierre = harness.person("Pierre", user_id=MANAGER_ID, locale="fr-FR")
    await pierre.types(f"/mentoring stats Alpha {this_week}")  # 9 answers: still 5 shown
    assert pierre.sees("ceux déjà montrés pour cette période\u00a0: ils changent quand au moins 5")
    await answers_in(harness, p.id, this_week, 1, 1)  # the 5th new answer
    await maria.types(f"/mentoring stats Alpha {this_week}")
    assert answers_shown(maria.last.text) == 10


async def test_a_closed_period_is_final(harness: Harness) -> None:
    p = await programme(harness, "Alpha")
    assert p.id is not None
    _, weeks = last_month_weeks()
    await answers_in(harness, p.id, weeks[0], 5, 4)
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types(f"/mentoring stats Alpha {weeks[0]}")
    assert answers_shown(maria.last.text) == 5
    await answers_in(harness, p.id, weeks[0], 5, 1)  # cannot happen through the bot: final
    await maria.types(f"/mentoring stats Alpha {weeks[0]}")
    assert answers_shown(maria.last.text) == 5


async def test_stats_of_one_programme_next_to_all_programmes_gives_no_small_role_away(
    harness: Harness,
) -> None:
    alpha, beta = await programme(harness, "Alpha"), await programme(harness, "Beta")
    assert alpha.id is not None and beta.id is not None
    this_week = iso_week(utcnow())
    async with harness.engine.db.session() as session:
        for pid, role, n in (
            (alpha.id, "mentor", 5),
            (alpha.id, "mentee", 5),
            (beta.id, "mentor", 1),
            (beta.id, "mentee", 5),
        ):
            for _ in range(n):
                session.add(
                    FeedbackAnswer(
                        programme_id=pid,
                        role=role,
                        period=this_week,
                        survey="adhoc",
                        usefulness=3,
                        recommend=9,
                    )
                )
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats week")
    assert answers_shown(maria.last.text) == 16
    assert maria.sees("feedback: 6 answers")  # all mentors (and Beta's 6 answers)
    await maria.types("/mentoring stats Alpha week")
    assert answers_shown(maria.last.text) == 10
    # Alpha's 5 mentors next to all programmes' 6 would give Beta's one mentor away.
    assert not maria.sees("feedback: 5 answers")
