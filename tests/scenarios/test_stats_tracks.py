"""``/mentoring stats`` split by priority track: only consented self-descriptions count."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.tables import Enrolment, FeedbackAnswer, Programme
from storage.types import utcnow
from tests.conftest import MANAGER_ID
from tests.harness import Harness
from tests.harness import Person as Speaker
from tests.scenarios.programme_data import checkin, pair

WOMEN = "Women's leadership"
HIDDEN = "feedback: not enough answers yet to show this anonymously"
DETAILS: dict[str, str | list[str]] = {
    "topics": ["AI"],
    "goals": "Learn how the other generation works.",
    "seniority": "1",
    "department": "Marketing",
    "languages": ["en"],
    "frequency": "biweekly",
    "capacity": "1",
}


async def tracked_programme(harness: Harness) -> Programme:
    """An open programme with two priority tracks."""
    async with harness.engine.db.session() as session:
        created = Programme(
            name="Reverse mentoring", topics=["AI"], priority_tracks=[WOMEN, "Neurodiversity"]
        )
        session.add(created)
    return created


async def joins(harness: Harness, name: str, role: str, about: str = "") -> Speaker:
    """Someone enrols through the dialogue; a self-description is given with consent."""
    speaker = harness.person(name)
    await speaker.types("/mentoring join")
    await speaker.submits(role=role)
    extra = {"self_description": about, "consent": "yes"} if about else {}
    await speaker.submits(**DETAILS, **extra)
    await speaker.clicks("Confirm")
    assert speaker.sees("You're enrolled")
    return speaker


async def give_feedback(people: list[Speaker], usefulness: str, recommend: str) -> None:
    for speaker in people:
        await speaker.types("/mentoring feedback")
        await speaker.submits(usefulness=usefulness, recommend=recommend, comment="")
        assert speaker.sees("Thank you")


async def enrolment_tracks(harness: Harness) -> list[str | None]:
    async with harness.engine.db.session() as session:
        return [e.track for e in (await session.exec(select(Enrolment))).all()]


async def test_a_track_slice_appears_from_exactly_k_answers(harness: Harness) -> None:
    p = await tracked_programme(harness)
    women = [
        await joins(harness, f"W{i}", "mentee", "Part of the women's leadership track")
        for i in range(5)
    ]
    others = [await joins(harness, f"O{i}", "mentor") for i in range(5)]
    await give_feedback(women, usefulness="5", recommend="10")
    await give_feedback(others, usefulness="3", recommend="6")
    # A pair belongs to its mentee's track: this one is in the women's leadership track.
    now = utcnow()
    met = await pair(harness, p, others[0], women[0], since=now - timedelta(days=60))
    await checkin(harness, met, 1, "met", now - timedelta(days=3))
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Reverse mentoring")
    assert maria.sees("By priority track")
    # Counts of people and pairs obey k too: the one pair (shown as the programme's) is in
    # one of the tracks, so even the zeros are hidden, else they would say which one.
    assert maria.sees(
        f"{WOMEN}: 5 active, 0 paused, hidden waiting for a match · hidden active "
        "pairs, met: hidden · feedback: 5 answers, usefulness 5.0 / 5, NPS +100"
    )
    assert maria.sees(
        "Neurodiversity: 0 active, 0 paused, 0 waiting for a match · hidden active pairs, "
        "met: hidden · feedback: not enough answers yet to show this anonymously"
    )
    assert maria.sees(
        "No priority track (or not said): 5 active, 0 paused, hidden waiting for a match "
        "· hidden active pairs, met: hidden · "
        "feedback: 5 answers, usefulness 3.0 / 5, NPS −100"
    )


async def test_a_track_below_k_is_hidden_with_its_next_smallest_sibling(harness: Harness) -> None:
    await tracked_programme(harness)
    women = [await joins(harness, f"W{i}", "mentee", f"{WOMEN} track") for i in range(4)]
    others = [await joins(harness, f"O{i}", "mentor") for i in range(7)]
    await give_feedback(women, usefulness="5", recommend="10")
    await give_feedback(others, usefulness="3", recommend="6")
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Reverse mentoring")
    assert maria.sees("Answers: 11")  # the programme's total is shown...
    # ...but with 4 answers hidden in the track, "other" (the next smallest) is hidden too:
    # else total − other = the track's figures.
    assert maria.sees(f"{WOMEN}: hidden active, 0 paused, hidden waiting")
    lines = [line for line in maria.last.text.splitlines() if line.startswith(WOMEN)]
    assert lines and lines[0].endswith(HIDDEN)
    other = [line for line in maria.last.text.splitlines() if line.startswith("No priority")]
    assert other and other[0].endswith(HIDDEN)
    assert not maria.sees("usefulness 5.0")


async def test_without_consent_nobody_is_counted_in_a_track(harness: Harness) -> None:
    await tracked_programme(harness)
    # A track named in the goals, not in a consented self-description, does not count.
    gia = harness.person("Gia")
    await gia.types("/mentoring join")
    await gia.submits(role="mentee")
    await gia.submits(**{**DETAILS, "goals": f"Join the {WOMEN} track"})
    await gia.clicks("Confirm")
    hana = await joins(harness, "Hana", "mentee", f"I am in the {WOMEN} track")
    assert sorted(await enrolment_tracks(harness), key=str) == [None, WOMEN]

    # Hana withdraws her consent: her track goes with her self-description.
    await hana.types("/mentoring edit")
    await hana.submits()
    await hana.submits(self_description="", consent=[])
    await hana.clicks("Confirm")
    assert await enrolment_tracks(harness) == [None, None]
    await give_feedback([hana], usefulness="4", recommend="9")
    async with harness.engine.db.session() as session:
        [answer] = (await session.exec(select(FeedbackAnswer))).all()
    assert answer.track is None

    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Reverse mentoring")
    assert maria.sees(f"{WOMEN}: hidden active, 0 paused, hidden waiting")
    assert maria.sees("No priority track (or not said): hidden active")


async def test_erasure_keeps_the_anonymous_answers_of_a_track(harness: Harness) -> None:
    await tracked_programme(harness)
    women = [await joins(harness, f"W{i}", "mentee", f"{WOMEN} track") for i in range(5)]
    await give_feedback(women, usefulness="4", recommend="9")
    await women[0].types("/mentoring leave")
    await women[0].clicks("Yes, erase my data")
    assert women[0].sees("your data has been erased")
    async with harness.engine.db.session() as session:
        answers = (await session.exec(select(FeedbackAnswer))).all()
    assert [a.track for a in answers] == [WOMEN] * 5
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Reverse mentoring")
    assert maria.sees(f"{WOMEN}: hidden active, 0 paused, hidden waiting")
    assert maria.sees("feedback: 5 answers, usefulness 4.0 / 5, NPS +100")


async def test_programmes_without_tracks_show_no_track_split(harness: Harness) -> None:
    async with harness.engine.db.session() as session:
        session.add(Programme(name="Plain", topics=["AI"]))
    await joins(harness, "Ann", "mentor", f"{WOMEN} track")
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Plain")
    assert not maria.sees("By priority track")
    assert await enrolment_tracks(harness) == [None]


async def test_one_person_in_a_track_is_never_shown_as_one(harness: Harness) -> None:
    # The attack: "Neurodiversity: 1 active" posted in a channel points at one person.
    await tracked_programme(harness)
    await joins(harness, "Nia", "mentee", "Neurodiversity matters to me")
    for i in range(6):
        await joins(harness, f"O{i}", "mentor")
    maria = harness.person("Maria", user_id=MANAGER_ID)
    await maria.types("/mentoring stats Reverse mentoring")
    assert maria.sees("Neurodiversity: hidden active")
    assert not maria.sees("Neurodiversity: 1 active")
    # Nor is it the programme's 7 minus the other tracks' 6.
    assert maria.sees("No priority track (or not said): hidden active")
