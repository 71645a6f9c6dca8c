"""Anonymous feedback: offered after a meeting, answered once, stored without the person."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.i18n import translator
from bot.core.model import Reply
from bot.stats.periods import iso_week
from conversations.feedback import survey_form, survey_offer
from storage.tables import CheckIn, FeedbackAnswer, FeedbackReceipt, Pair, Programme
from storage.types import utcnow
from tests.harness import Harness, Turn
from tests.harness import Person as Speaker
from tests.scenarios.programme_data import enrolled, person_id, programme


async def met_pair(harness: Harness, p: Programme, mentor: Speaker, mentee: Speaker) -> Pair:
    """A pair whose first check-in was answered "met", and a second one answered "not yet"."""
    mentor_id, mentee_id = await person_id(harness, mentor), await person_id(harness, mentee)
    now = utcnow()
    assert p.id is not None
    async with harness.engine.db.session() as session:
        pair = Pair(programme_id=p.id, mentor_id=mentor_id, mentee_id=mentee_id, status="active")
        session.add(pair)
        await session.flush()
        assert pair.id is not None
        session.add_all(
            [
                CheckIn(
                    pair_id=pair.id,
                    cycle=1,
                    due_at=now,
                    status="answered",
                    answer="met",
                    answered_by=mentor_id,
                    answered_at=now,
                ),
                CheckIn(
                    pair_id=pair.id,
                    cycle=2,
                    due_at=now + timedelta(days=14),
                    status="answered",
                    answer="not_yet",
                    answered_at=now,
                ),
            ]
        )
    return pair


def receives_offer(speaker: Speaker, survey_key: str) -> None:
    """The survey invitation arrives in the person's DM (sent by the check-ins feature)."""
    message = survey_offer(translator(speaker.locale), survey_key)
    speaker.turns.append(Turn([Reply(message)]))


async def answers(harness: Harness) -> list[FeedbackAnswer]:
    async with harness.engine.db.session() as session:
        return list((await session.exec(select(FeedbackAnswer))).all())


async def receipts(harness: Harness) -> list[FeedbackReceipt]:
    async with harness.engine.db.session() as session:
        return list((await session.exec(select(FeedbackReceipt))).all())


async def test_after_a_meeting_alice_answers_the_survey_anonymously(harness: Harness) -> None:
    p = await programme(harness)
    alice = await enrolled(harness, "Alice", "mentor", p)
    bob = await enrolled(harness, "Bob", "mentee", p)
    pair = await met_pair(harness, p, alice, bob)
    receives_offer(alice, f"checkin:{pair.id}:1")
    await alice.clicks("Give anonymous feedback")
    assert alice.form is not None and alice.form.title == "Anonymous feedback"
    assert alice.sees("Anonymous: your answers are stored without your name")
    await alice.submits(usefulness="4", recommend="9", comment="Eye-opening sessions.")
    assert alice.form is None
    assert alice.sees("Thank you! Your answer was saved anonymously")

    [answer] = await answers(harness)
    assert (answer.programme_id, answer.role, answer.survey) == (p.id, "mentor", "checkin")
    assert (answer.usefulness, answer.recommend) == (4, 9)
    assert answer.track is None
    assert answer.comment == "Eye-opening sessions."
    assert answer.period == iso_week(utcnow())
    stored = answer.model_dump()
    assert set(stored) == {
        "id",
        "programme_id",
        "role",
        "track",  # a priority track, as coarse as the role (None here: no consent)
        "period",
        "survey",
        "usefulness",
        "recommend",
        "comment",
    }
    assert str(pair.id) not in {str(v) for k, v in stored.items() if k != "programme_id"}
    [receipt] = await receipts(harness)
    assert receipt.person_id == await person_id(harness, alice)
    assert receipt.survey_key == f"checkin:{pair.id}:1"
    assert receipt.period == answer.period


async def test_a_second_answer_to_the_same_survey_is_refused_politely(harness: Harness) -> None:
    p = await programme(harness)
    alice = await enrolled(harness, "Alice", "mentor", p)
    bob = await enrolled(harness, "Bob", "mentee", p)
    pair = await met_pair(harness, p, alice, bob)
    receives_offer(alice, f"checkin:{pair.id}:1")
    await alice.clicks("Give anonymous feedback")
    form = alice.form
    await alice.submits(usefulness="5", recommend="10")
    await alice.clicks("Give anonymous feedback")
    assert alice.sees("already answered this survey")
    assert alice.form is None
    await alice.submits(form, usefulness="1", recommend="0")  # the old form, sent again
    assert alice.sees("already answered this survey")
    assert [a.usefulness for a in await answers(harness)] == [5]

    # Bob met Alice too: the same meeting's survey is his to answer once as well.
    receives_offer(bob, f"checkin:{pair.id}:1")
    await bob.clicks("Give anonymous feedback")
    await bob.submits(usefulness="3", recommend="7")
    assert bob.sees("Thank you")
    assert sorted((a.role, a.usefulness) for a in await answers(harness)) == [
        ("mentee", 3),
        ("mentor", 5),
    ]
    assert len(await receipts(harness)) == 2


async def test_a_survey_that_is_not_yours_or_not_a_meeting_is_not_offered(
    harness: Harness,
) -> None:
    p = await programme(harness)
    alice = await enrolled(harness, "Alice", "mentor", p)
    bob = await enrolled(harness, "Bob", "mentee", p)
    carol = await enrolled(harness, "Carol", "mentee", p)
    pair = await met_pair(harness, p, alice, bob)
    for key in (f"checkin:{pair.id}:1", "checkin:999:1", "end:999", "bogus", "checkin:x:1"):
        receives_offer(carol, key)
        await carol.clicks("Give anonymous feedback")
        assert carol.sees("This survey is no longer available")
        assert carol.form is None
    receives_offer(alice, f"checkin:{pair.id}:2")  # answered "not yet": no meeting to rate
    await alice.clicks("Give anonymous feedback")
    assert alice.sees("no longer available")
    assert await answers(harness) == []


async def test_the_end_of_programme_survey(harness: Harness) -> None:
    p = await programme(harness)
    alice = await enrolled(harness, "Alice", "mentor", p)
    bob = await enrolled(harness, "Bob", "mentee", p)
    pair = await met_pair(harness, p, alice, bob)
    receives_offer(bob, f"end:{pair.id}")
    await bob.clicks("Give anonymous feedback")
    await bob.submits(usefulness="5", recommend="9", comment="Thank you all")
    [answer] = await answers(harness)
    assert (answer.survey, answer.role) == ("end", "mentee")


async def test_claire_sends_feedback_in_french_at_any_time(harness: Harness) -> None:
    p = await programme(harness)
    claire = await enrolled(harness, "Claire", "mentee", p, locale="fr-FR")
    await claire.types("/mentoring avis")
    assert claire.form is not None and claire.form.title == "Avis anonyme"
    assert claire.sees("Anonyme\u00a0: vos réponses sont enregistrées sans votre nom")
    await claire.submits(usefulness="2", recommend="6")
    assert claire.sees("Merci\u202f! Votre réponse est enregistrée anonymement")
    [answer] = await answers(harness)
    assert (answer.survey, answer.role, answer.comment) == ("adhoc", "mentee", None)
    await claire.types("/mentoring feedback")
    assert claire.sees("déjà donné votre avis sur ce programme cette semaine")
    assert claire.form is None


async def test_bad_answers_get_errors_and_nothing_is_saved(harness: Harness) -> None:
    p = await programme(harness)
    dan = await enrolled(harness, "Dan", "mentor", p)
    await dan.types("/mentoring feedback")
    await dan.submits(usefulness="9", recommend="ten", comment="x" * 1001)
    assert dan.last.errors == {
        "usefulness": "Please pick one of the choices offered.",
        "recommend": "Please pick one of the choices offered.",
        "comment": "Please keep this under 1,000 characters (you wrote 1,001).",
    }
    assert dan.form is not None
    await dan.submits(usefulness="", recommend="8", comment="")
    assert dan.last.errors == {"usefulness": "Please answer this question."}
    assert await answers(harness) == []
    assert await receipts(harness) == []
    await dan.submits(usefulness="3", recommend="8", comment="x" * 1000)
    assert dan.sees("Thank you")
    assert len((await answers(harness))[0].comment or "") == 1000


async def test_someone_in_two_programmes_chooses_which_one(harness: Harness) -> None:
    first = await programme(harness, "Reverse mentoring")
    second = await programme(harness, "Leadership circle")
    eve = await enrolled(harness, "Eve", "mentor", first, second)
    await eve.types("/mentoring feedback")
    assert eve.form is not None
    assert eve.form.fields[0].name == "programme"
    await eve.submits(programme=str(second.id), usefulness="4", recommend="8")
    [answer] = await answers(harness)
    assert answer.programme_id == second.id
    await eve.types("/mentoring feedback Reverse mentoring")  # the other one is still open
    await eve.submits(usefulness="3", recommend="5")
    assert eve.sees("Thank you")
    await eve.types("/mentoring feedback Leadership circle")
    assert eve.sees("already sent feedback about this programme this week")
    await eve.types("/mentoring feedback Knitting club")
    assert eve.sees("I don't know that programme. Programmes: Reverse mentoring, Leadership circle")


async def test_padding_someone_not_enrolled_cannot_answer_any_survey(harness: Harness) -> None:
    # The attack: a curious manager adds four answers of known value to one real answer,
    # the slice reaches k = 5, and the real answer is the total minus the four.
    p = await programme(harness)
    fay = harness.person("Fay")  # never joined
    await fay.types("/mentoring feedback")
    assert fay.sees("not enrolled in any open programme") and fay.form is None
    await fay.types("/mentoring feedback Reverse mentoring")
    assert fay.sees("not enrolled in any open programme") and fay.form is None
    # A form submitted by hand for that programme (the state names it) is refused too.
    form = survey_form(translator("en"), state=f"adhoc:{p.id}", programmes=(), k=5)
    await fay.submits(form, usefulness="5", recommend="10")
    assert fay.sees("no longer available")
    assert await answers(harness) == [] and await receipts(harness) == []


async def test_padding_ad_hoc_feedback_is_only_about_ones_own_open_programmes(
    harness: Harness,
) -> None:
    mine = await programme(harness, "Reverse mentoring")
    other = await programme(harness, "Leadership circle")
    gil = await enrolled(harness, "Gil", "mentor", mine)
    await gil.types("/mentoring feedback Leadership circle")
    assert gil.sees("only on a programme you take part in: Reverse mentoring")
    form = survey_form(translator("en"), state=f"adhoc:{other.id}", programmes=(), k=5)
    await gil.submits(form, usefulness="1", recommend="0")
    assert gil.sees("no longer available")
    # A closed programme takes no more ad-hoc answers, even from its participants.
    async with harness.engine.db.session() as session:
        closed = await session.get(Programme, mine.id)
        assert closed is not None
        closed.status = "closed"
        session.add(closed)
    await gil.types("/mentoring feedback")
    assert gil.sees("not enrolled in any open programme")
    form = survey_form(translator("en"), state=f"adhoc:{mine.id}", programmes=(), k=5)
    await gil.submits(form, usefulness="1", recommend="0")
    assert gil.sees("no longer available")
    assert await answers(harness) == []


async def test_a_paused_participant_may_still_answer(harness: Harness) -> None:
    p = await programme(harness)
    pat = await enrolled(harness, "Pat", "mentee", p, status="paused")
    await pat.types("/mentoring feedback")
    await pat.submits(usefulness="4", recommend="9")
    [answer] = await answers(harness)
    assert (answer.programme_id, answer.role) == (p.id, "mentee")


async def test_without_any_programme_feedback_says_so(harness: Harness) -> None:
    gus = harness.person("Gus")
    await gus.types("/mentoring feedback")
    assert gus.sees("not enrolled in any open programme")


async def test_leaving_erases_the_receipt_but_keeps_the_anonymous_answer(harness: Harness) -> None:
    p = await programme(harness)
    hal = await enrolled(harness, "Hal", "mentee", p)
    await hal.types("/mentoring feedback")
    await hal.submits(usefulness="5", recommend="10", comment="Loved it")
    await hal.types("/mentoring leave")
    await hal.clicks("Yes, erase my data")
    assert await receipts(harness) == []
    [answer] = await answers(harness)
    assert (answer.usefulness, answer.comment) == (5, "Loved it")


async def test_comments_never_reach_the_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # INFO is what app.py configures (database drivers log every parameter at DEBUG).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="storage")
    p = await programme(harness)
    ivy = await enrolled(harness, "Ivy", "mentor", p)
    await ivy.types("/mentoring feedback")
    await ivy.submits(usefulness="4", recommend="9", comment="SECRET-MARKER-7f3a")
    assert ivy.sees("Thank you")
    assert "SECRET-MARKER-7f3a" not in caplog.text
