"""Forms as Adaptive Cards: Ada joins a programme in Teams, card by card.

The card she submits is replaced by the next step; errors appear on the card, next to their
question; a stale or tampered submission changes nothing and says so.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from storage.tables import Dialogue, Enrolment
from testkit.adaptive_cards import adaptive_cards
from testkit.teams_world import TeamsUser, TeamsWorld, activity_text, card_inputs

DETAILS: dict[str, Any] = {
    "topics": ["AI", "Hybrid work"],
    "goals": "Understand how younger colleagues use AI at work",
    "seniority": "4",
    "department": "Finance",
    "languages": ["en", "fr"],
    "frequency": "biweekly",
}


async def _enrolments(teams: TeamsWorld) -> list[Enrolment]:
    async with teams.runtime.db.session() as session:
        return list((await session.exec(select(Enrolment))).all())


async def _to_details(ada: TeamsUser) -> None:
    await ada.types("join")
    await ada.presses("Next", role="mentee")


async def test_ada_joins_card_by_card(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")

    said = await ada.types("join")
    [form] = said.activities
    inputs = {i["id"]: i for i in card_inputs(adaptive_cards(form)[0])}
    assert inputs["role"]["type"] == "Input.ChoiceSet" and inputs["role"]["style"] == "expanded"

    said = await ada.presses("Next", role="mentee")
    # The submitted card became the details step: updated in place, not a new message.
    assert [c.operation for c in teams.fake.calls if c.status < 300][-1] == "update"
    assert len(ada.chat()) == 1 and "Your goals" in activity_text(ada.chat()[0])
    inputs = {i["id"]: i for i in card_inputs(adaptive_cards(ada.chat()[0])[0])}
    assert inputs["goals"]["isMultiline"] is True and inputs["goals"]["maxLength"] == 500
    assert inputs["topics"]["isMultiSelect"] is True
    assert inputs["consent"]["type"] == "Input.Toggle"

    said = await ada.presses("Next", **DETAILS)
    assert "Answers received" in activity_text(ada.chat()[0])  # the form card is closed
    summary = ada.chat()[-1]
    assert "Finance" in activity_text(summary)

    said = await ada.presses("Confirm", summary)
    assert "You're enrolled" in said
    assert "enrolled" in activity_text(ada.chat()[-1])  # the summary card was replaced
    [enrolment] = await _enrolments(teams)
    assert enrolment.role == "mentee"
    assert enrolment.topics_learn == ["AI", "Hybrid work"]
    assert enrolment.languages == ["en", "fr"]


async def test_errors_are_shown_on_the_card_next_to_the_question(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await _to_details(ada)

    await ada.presses("Next", **{**DETAILS, "goals": "x" * 501})

    [card] = adaptive_cards(ada.chat()[0])
    body = card["body"]
    goals_at = next(n for n, e in enumerate(body) if e.get("id") == "goals")
    after_goals = [e.get("text", "") for e in body[goals_at + 1 : goals_at + 3]]
    assert any("under 500 characters" in t for t in after_goals)
    assert any(e.get("color") == "attention" for e in body[:goals_at])  # the summary line
    assert await _enrolments(teams) == []


async def test_a_missing_answer_is_refused_by_the_engine_too(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await _to_details(ada)
    submission = ada.submission("Next", **DETAILS)
    del submission["value"]["goals"]  # a client that skips Teams' own check

    said = await teams.post(submission)

    assert "Please answer this question" in said
    assert await _enrolments(teams) == []


async def test_pressing_an_old_card_again_changes_nothing(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    said = await ada.types("join")
    old_start = said.activities[0]
    await ada.presses("Next", role="mentee")

    again = await ada.presses("Next", old_start, role="mentor")

    assert "out of date" in again
    async with teams.runtime.db.session() as session:
        [dialogue] = (await session.exec(select(Dialogue))).all()
    assert dialogue.data["role"] == "mentee" and dialogue.step == "details"


async def test_a_tampered_state_is_stale(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await _to_details(ada)
    submission = ada.submission("Next", **DETAILS)
    submission["value"]["_mentoring"]["state"] = "999:1"

    said = await teams.post(submission)

    assert "out of date" in said
    assert await _enrolments(teams) == []


async def test_a_submission_without_routing_data_is_refused_politely(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await _to_details(ada)
    submission = ada.submission("Next", **DETAILS)
    del submission["value"]["_mentoring"]

    said = await teams.post(submission)

    assert said.status == 200
    assert "couldn't read this card" in said and "Nothing was changed" in said
    assert await _enrolments(teams) == []


async def test_an_unknown_button_is_refused_politely(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await ada.types("join")
    await ada.presses("Next", role="mentee")
    await ada.presses("Next", **DETAILS)
    submission = ada.submission("Confirm", ada.chat()[-1])
    submission["value"]["_mentoring"]["action"] = "admin.delete_everything"

    said = await teams.post(submission)

    assert "couldn't read this card" in said
    assert await _enrolments(teams) == []


async def test_cancel_closes_the_card_and_keeps_the_dialogue(teams: TeamsWorld) -> None:
    ada = teams.user("Ada Lovelace")
    await _to_details(ada)

    said = await ada.presses("Cancel", goals="")  # Cancel takes no inputs: nothing is checked

    assert "nothing from it was saved" in said
    assert "nothing from it was saved" in activity_text(ada.chat()[0])
    resumed = await ada.types("join")
    assert "Resume" in resumed  # the dialogue can be picked up again


async def test_a_french_speaker_gets_french_cards(teams: TeamsWorld) -> None:
    amelie = teams.user("Amélie Poulain", locale="fr-FR")

    said = await amelie.types("rejoindre")

    [card] = adaptive_cards(said.activities[0])
    assert [a["title"] for a in card["actions"]] == ["Suivant", "Annuler"]
    [role] = card_inputs(card)
    assert role["errorMessage"] == "Merci de répondre à cette question."
