"""``/mentoring stats``: managers see the programme's health, never anyone's answers."""

from __future__ import annotations

import base64
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.settings import Settings
from app import main
from bot.core.engine import Engine
from bot.core.model import Image, Reply
from bot.stats.disclosure import Relation
from bot.stats.export import export_csv
from storage.db import Database
from storage.tables import StatsView
from storage.types import utcnow
from tests.conftest import ADMIN_ID, MANAGER_ID
from tests.harness import Harness
from tests.harness import Person as Speaker
from tests.scenarios.programme_data import checkin, enrolled, pair, programme
from tests.typography import french_problems
from tests.unit.stats.test_disclosure import recoverable


def manager(harness: Harness) -> Speaker:
    return harness.person("Maria", user_id=MANAGER_ID)


def reply(speaker: Speaker) -> Reply:
    [answer] = [i for i in speaker.last.intents if isinstance(i, Reply)]
    return answer


async def views(harness: Harness) -> list[StatsView]:
    async with harness.engine.db.session() as session:
        return list((await session.exec(select(StatsView))).all())


async def give_feedback(
    people: list[Speaker], usefulness: str = "4", recommend: str = "9", comment: str = ""
) -> None:
    for speaker in people:
        await speaker.types("/mentoring feedback")
        await speaker.submits(usefulness=usefulness, recommend=recommend, comment=comment)
        assert speaker.sees("Thank you")


async def test_a_manager_sees_the_programme_health_in_the_channel(harness: Harness) -> None:
    p = await programme(harness)
    m1, m2, _m3 = [await enrolled(harness, f"Mentor{i}", "mentor", p) for i in (1, 2, 3)]
    e1, e2, _e3 = [await enrolled(harness, f"Mentee{i}", "mentee", p) for i in (1, 2, 3)]
    await enrolled(harness, "Resting", "mentee", p, status="paused")
    now = utcnow()
    first = await pair(harness, p, m1, e1, since=now - timedelta(days=90))
    second = await pair(harness, p, m2, e2, since=now - timedelta(days=90))
    await checkin(harness, first, 1, "met", now - timedelta(days=45))
    await checkin(harness, second, 1, "met", now - timedelta(days=40))
    await checkin(harness, first, 2, "met", now - timedelta(days=2))
    await checkin(harness, second, 2, "not_yet", now - timedelta(days=3))

    maria = manager(harness)
    channel = harness.channel("mentoring-leads")
    await maria.types("/mentoring stats", in_channel=channel)
    assert reply(maria).private is False  # posted in the channel for everyone there
    assert maria.sees("Mentoring stats · all programmes · last 30 days")
    assert maria.sees("Mentors enrolled: 3")
    assert maria.sees("Mentees enrolled: 3")
    assert maria.sees("Active pairs: 2")
    assert maria.sees("Waiting for a match: 2")
    assert maria.sees("Paused: 1")
    assert maria.sees("Pairs that met: 50% (1 of 2) · −50 pts vs the previous period")
    # Check-in answer counts obey k, and a problem report is for the admins only.
    assert maria.sees("Check-in answers: met hidden · scheduled 0 · not yet hidden · pause 0")
    assert not maria.sees("problem")
    assert maria.sees("Mentors: 3 active, 0 paused, 1 waiting for a match")
    assert maria.sees("Mentees: 3 active, 1 paused, 1 waiting for a match")
    [view] = await views(harness)
    assert (view.platform, view.viewer_user_id, view.programme, view.period, view.slice) == (
        "local",
        MANAGER_ID,
        None,
        "month",
        "summary",
    )


async def test_the_chart_comes_with_a_text_version(harness: Harness) -> None:
    p = await programme(harness)
    m1 = await enrolled(harness, "Mentor1", "mentor", p)
    e1 = await enrolled(harness, "Mentee1", "mentee", p)
    now = utcnow()
    first = await pair(harness, p, m1, e1, since=now - timedelta(days=90))
    await checkin(harness, first, 1, "met", now - timedelta(days=1))
    maria = manager(harness)
    await maria.types("/mentoring stats Reverse mentoring quarter")
    [image] = [e for e in reply(maria).message.elements if isinstance(e, Image)]
    assert image.url.startswith("data:image/png;base64,")
    png = base64.b64decode(image.url.split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(image.url) < 60_000  # fits in a Teams card with room to spare
    assert maria.sees("Chart of the pairs that met and the average usefulness")
    assert maria.sees(" — pairs that met: 1 · average usefulness: not shown (too few answers)")


async def test_anyone_else_is_refused_privately_and_nothing_is_logged(harness: Harness) -> None:
    await programme(harness)
    bob = harness.person("Bob")
    await bob.types("/mentoring stats", in_channel=harness.channel())
    assert reply(bob).private is True  # ephemeral in a Slack channel
    assert bob.sees("Programme statistics are for managers and admins only")
    assert await views(harness) == []


async def test_stats_in_a_dm_work_and_admins_can_list_who_looked(harness: Harness) -> None:
    await programme(harness)
    admin = harness.person("Ada", user_id=ADMIN_ID)
    await admin.types("/mentoring stats all")
    assert admin.sees("Mentoring stats · all programmes · all time (last 5 years)")
    maria = manager(harness)
    await maria.types("/mentoring stats Reverse mentoring 2026-Q4", in_channel=harness.channel())
    await admin.types("/mentoring admin stats log")
    assert admin.sees("Who looked at the statistics")
    assert admin.sees("local · Maria (UMANAGER) · Reverse mentoring · 2026-Q4 · summary")
    assert admin.sees("local · Ada (UADMIN) · all programmes · all time (last 5 years) · summary")
    lines = [line for line in admin.last.text.splitlines() if " UTC · " in line]
    assert "Maria" in lines[0]  # newest first
    await maria.types("/mentoring admin stats log")
    assert maria.sees("Only programme admins can do that")


async def test_feedback_figures_appear_from_exactly_k_answers(harness: Harness) -> None:
    p = await programme(harness)
    mentors = [await enrolled(harness, f"Mentor{i}", "mentor", p) for i in range(5)]
    maria = manager(harness)

    await give_feedback(mentors[:4], usefulness="4", recommend="9")  # k − 1 answers
    await maria.types("/mentoring stats")
    assert maria.sees("*Anonymous feedback*\n\nnot enough answers yet to show this anonymously")
    assert not maria.sees("\nUsefulness:")  # the field (the chart's text says "average usefulness")

    await give_feedback(mentors[4:], usefulness="2", recommend="5")  # the k-th answer
    await maria.types("/mentoring stats")
    assert maria.sees("Comment excerpts appear once the period has at least 10 answers")
    assert maria.sees("Answers: 5")
    assert maria.sees("Usefulness: 3.6 / 5")
    assert maria.sees("Net promoter score: +60")
    assert maria.sees("Mentors: 5 active, 0 paused, 5 waiting for a match · feedback: 5 answers")


async def test_the_threshold_is_configurable(harness: Harness, settings: Settings) -> None:
    harness.engine = Engine(
        harness.engine.db, settings.model_copy(update={"mentoring_anonymity_k": 3})
    )
    p = await programme(harness)
    mentors = [await enrolled(harness, f"Mentor{i}", "mentor", p) for i in range(3)]
    await give_feedback(mentors, usefulness="5", recommend="10")
    maria = manager(harness)
    await maria.types("/mentoring stats")
    assert maria.sees("Answers: 3")
    assert maria.sees("groups of at least 3 answers")


async def test_a_hidden_slice_hides_its_next_smallest_sibling(harness: Harness) -> None:
    p = await programme(harness)
    mentors = [await enrolled(harness, f"Mentor{i}", "mentor", p) for i in range(4)]
    mentees = [await enrolled(harness, f"Mentee{i}", "mentee", p) for i in range(7)]
    maria = manager(harness)
    await give_feedback(mentors, usefulness="5", recommend="10")
    await give_feedback(mentees, usefulness="3", recommend="6")
    await maria.types("/mentoring stats")
    assert maria.sees("Answers: 11")  # the total is shown...
    hidden = "feedback: not enough answers yet to show this anonymously"
    # ...but with 4 mentors hidden, the 7 mentees are hidden too: else total − mentees = mentors.
    assert maria.sees(f"Mentors: 4 active, 0 paused, 4 waiting for a match · {hidden}")
    assert maria.sees(f"Mentees: 7 active, 0 paused, 7 waiting for a match · {hidden}")

    late = [await enrolled(harness, f"Mentor{i}", "mentor", p) for i in range(4, 9)]
    await give_feedback(late[:1], usefulness="5", recommend="10")
    await maria.types("/mentoring stats")
    # One new answer in the open period: the figures shown last are repeated (period rules).
    assert maria.sees("Answers: 11")
    assert maria.sees(f"Mentors: 9 active, 0 paused, 9 waiting for a match · {hidden}")
    await give_feedback(late[1:], usefulness="5", recommend="10")  # k new answers in all
    await maria.types("/mentoring stats")
    assert maria.sees("Answers: 16")
    assert maria.sees("feedback: 9 answers, usefulness 5.0 / 5, NPS +100")
    assert maria.sees("feedback: 7 answers, usefulness 3.0 / 5, NPS −100")


async def test_comments_appear_from_ten_answers_shuffled_and_defused(harness: Harness) -> None:
    p = await programme(harness)
    people = [await enrolled(harness, f"Mentee{i}", "mentee", p) for i in range(10)]
    maria = manager(harness)
    long_comment = "Great talks <!channel> and " + "very " * 150 + "long"
    await give_feedback(people[:9], comment=long_comment)
    await maria.types("/mentoring stats")
    assert maria.sees("Comment excerpts appear once the period has at least 10 answers")
    assert not maria.sees("Great talks")
    await give_feedback(people[9:], comment=long_comment)
    await maria.types("/mentoring stats")
    assert not maria.sees("No comments in this period")
    assert not maria.sees("<!channel>")
    excerpts = [line for line in maria.last.text.splitlines() if line.startswith("• “")]
    assert len(excerpts) == 5  # a few excerpts, not every comment
    for line in excerpts:
        assert line.startswith("• “Great talks ‹!channel› and very")
        assert line.endswith("…”") and len(line) < 300


async def test_enough_answers_without_comments_say_so(harness: Harness) -> None:
    p = await programme(harness)
    people = [await enrolled(harness, f"Mentee{i}", "mentee", p) for i in range(10)]
    await give_feedback(people)
    maria = manager(harness)
    await maria.types("/mentoring stats")
    assert maria.sees("No comments in this period.")


async def test_two_programmes_are_split_by_programme(harness: Harness) -> None:
    reverse = await programme(harness, "Reverse mentoring")
    circle = await programme(harness, "Leadership circle")
    await enrolled(harness, "Ann", "mentor", reverse)
    await enrolled(harness, "Ben", "mentee", circle)
    maria = manager(harness)
    await maria.types("/mentoring stats")
    assert maria.sees("By programme")
    assert maria.sees("Leadership circle: 1 active, 0 paused, 1 waiting for a match · 0 active")
    await maria.types("/mentoring stats Leadership circle")
    assert maria.sees("Mentoring stats · Leadership circle · last 30 days")
    assert not maria.sees("By programme")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Knitting club", "I don't understand `Knitting club`"),
        ("Knitting month", "I don't know the programme `Knitting`. Programmes: Reverse mentoring"),
        ("Reverse mentoring fortnight", "I don't know the period `fortnight`. Try one of: `week`"),
        ("1900", "I don't know the period `1900`"),
        ("2026-13", "I don't know the period `2026-13`"),
        ("99999999-01", "I don't know the period `99999999-01`"),
    ],
)
async def test_unknown_programmes_and_periods_list_the_valid_ones(
    harness: Harness, typed: str, expected: str
) -> None:
    await programme(harness)
    maria = manager(harness)
    await maria.types(f"/mentoring stats {typed}", in_channel=harness.channel())
    assert maria.sees(expected)
    assert maria.sees("Reverse mentoring") or maria.sees("`2026-Q4`")
    assert reply(maria).private is True
    assert await views(harness) == []


async def test_stats_in_french(harness: Harness) -> None:
    await programme(harness)
    maria = harness.person("Maria", user_id=MANAGER_ID, locale="fr-FR")
    await maria.types("/mentoring statistiques trimestre")
    assert maria.sees("Statistiques du mentorat · tous les programmes · 91 derniers jours")
    assert maria.sees("Binômes actifs\u00a0: 0")
    assert french_problems(maria.last.text) == []  # text put together by the code too


async def test_the_export_writes_aggregates_only(harness: Harness, settings: Settings) -> None:
    p = await programme(harness)
    mentors = [await enrolled(harness, f"Mentor{i}", "mentor", p) for i in range(5)]
    mentees = [await enrolled(harness, f"Mentee{i}", "mentee", p) for i in range(2)]
    await give_feedback(mentors, usefulness="4", recommend="9", comment="SECRET comment")
    await give_feedback(mentees, usefulness="1", recommend="0")
    text = await export_csv(
        harness.engine.db, settings, programme=None, period="month", now=utcnow(), viewer="ops"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "SECRET" not in text
    total = next(r for r in rows if r["programme"] == "all" and r["slice"] == "all")
    # Averages are rounded to one decimal (3.142857... is 3.1).
    assert (total["active"], total["answers"], total["usefulness"]) == ("7", "7", "3.1")
    mentor_row = next(r for r in rows if r["programme"] == "all" and r["slice"] == "role:mentor")
    mentee_row = next(r for r in rows if r["programme"] == "all" and r["slice"] == "role:mentee")
    # 2 mentees are below k: hidden, and the 5 mentors with them (next-smallest rule).
    assert (mentee_row["answers"], mentee_row["usefulness"]) == ("", "")
    assert (mentor_row["answers"], mentor_row["usefulness"]) == ("", "")
    assert {r["programme"] for r in rows} == {"all", "Reverse mentoring"}
    [view] = await views(harness)
    assert (view.platform, view.viewer_user_id, view.slice) == ("cli", "ops", "export")


async def test_the_export_neutralises_cells_a_spreadsheet_would_run(
    harness: Harness, settings: Settings
) -> None:
    formula = '=HYPERLINK("https://evil.example","Open")'
    await programme(harness, formula)
    await programme(harness, "@SUM(1+1)")
    text = await export_csv(
        harness.engine.db, settings, programme=None, period="all", now=utcnow(), viewer="ops"
    )
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert "'" + formula in cells and "'@SUM(1+1)" in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


def test_python_app_export_writes_a_csv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("MENTORING_SEED_PROGRAMME", "true")
    out = tmp_path / "stats.csv"
    assert main(["export", "--out", str(out), "--period", "year"]) == 0
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("programme,period,slice,active,paused,unmatched")
    assert main(["export", "--programme", "Nope"]) == 2
    assert "unknown programme 'Nope'" in capsys.readouterr().err


async def test_stats_need_no_loop_per_answer(db: Database) -> None:
    """Aggregation is in SQL: the report is built from grouped rows (see bench/stats.py)."""
    from bot.stats.periods import parse_period
    from bot.stats.report import build_report

    async with db.session() as session:
        report = await build_report(
            session,
            programme_id=None,
            programme_names={},
            period=parse_period("week", utcnow()),
            k=5,
            comment_k=10,
        )
    assert report.feedback.answers == 0 and report.running == 0


async def test_differencing_across_scopes_in_one_export_is_closed(
    harness: Harness, settings: Settings
) -> None:
    # The attack: `all,role:mentor,6` next to `Alpha,role:mentor,5`: Beta's only mentor
    # answered 1, and their answer is the difference of the two rows' sums.
    alpha = await programme(harness, "Alpha")
    beta = await programme(harness, "Beta")
    alpha_mentors = [await enrolled(harness, f"AM{i}", "mentor", alpha) for i in range(5)]
    alpha_mentees = [await enrolled(harness, f"AE{i}", "mentee", alpha) for i in range(7)]
    beta_mentor = await enrolled(harness, "BM", "mentor", beta)
    beta_mentees = [await enrolled(harness, f"BE{i}", "mentee", beta) for i in range(7)]
    await give_feedback(alpha_mentors, usefulness="4", recommend="9")
    await give_feedback(alpha_mentees, usefulness="4", recommend="9")
    await give_feedback([beta_mentor], usefulness="1", recommend="0")
    await give_feedback(beta_mentees, usefulness="4", recommend="9")
    text = await export_csv(
        harness.engine.db, settings, programme=None, period="month", now=utcnow(), viewer="ops"
    )
    cells = {(r["programme"], r["slice"]): r["answers"] for r in csv.DictReader(io.StringIO(text))}
    assert cells[("Beta", "role:mentor")] == ""
    # Whatever is shown, no sum or difference of shown rows gives Beta's mentor back.
    scopes, roles = ("all", "Alpha", "Beta"), ("role:mentor", "role:mentee")
    relations = [Relation((s, "all"), tuple((s, r) for r in roles)) for s in scopes]
    relations += [Relation(("all", r), (("Alpha", r), ("Beta", r))) for r in roles]
    relations += [Relation(("all", "all"), (("all", "programme:Alpha"), ("all", "programme:Beta")))]
    relations += [Relation(("all", f"programme:{p}"), ((p, "all"),)) for p in ("Alpha", "Beta")]
    counts = {key: 0 for r in relations for key in (r.parent, *r.children)}
    hidden = frozenset(key for key in counts if not cells.get(key))
    assert not recoverable(counts, relations, hidden, [("Beta", "role:mentor")])


async def test_a_comment_needs_enough_answers_in_every_slice_that_holds_it(
    harness: Harness,
) -> None:
    # The attack: the only answer of a small programme carries a comment; the threshold
    # used to be checked on the all-programmes total only, so it showed up there.
    big = await programme(harness, "Big")
    small = await programme(harness, "Small")
    many = [await enrolled(harness, f"Big{i}", "mentee", big) for i in range(12)]
    lonely = await enrolled(harness, "Lonely", "mentee", small)
    await give_feedback(many, comment="")
    await give_feedback([lonely], comment="Only-answer-marker in the small programme")
    maria = manager(harness)
    for _ in range(5):  # the sample is random: it would show up sooner or later
        await maria.types("/mentoring stats")
        assert maria.sees("Answers: 13")
        assert not maria.sees("Only-answer-marker")


async def test_a_problem_report_never_reaches_the_managers_stats(harness: Harness) -> None:
    p = await programme(harness)
    pairs_ = []
    for i in range(6):
        mentor = await enrolled(harness, f"M{i}", "mentor", p)
        mentee = await enrolled(harness, f"E{i}", "mentee", p)
        pairs_.append(await pair(harness, p, mentor, mentee, since=utcnow() - timedelta(days=60)))
    for i, made in enumerate(pairs_):
        await checkin(harness, made, 1, "problem", utcnow() - timedelta(days=2 + i))
    maria = manager(harness)
    await maria.types("/mentoring stats", in_channel=harness.channel())
    assert not maria.sees("problem")
    assert maria.sees("Check-in answers: no answers in this period")
