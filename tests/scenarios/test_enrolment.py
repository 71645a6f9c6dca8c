"""Enrolment: people join through the dialogue, in English and in French."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.programmes import seed_default_programme
from storage.tables import Dialogue, Enrolment, Programme
from tests.conftest import ADMIN_ID
from tests.harness import Harness

DETAILS: dict[str, str | list[str]] = {
    "topics": ["AI", "Social media"],
    "goals": "Help leaders understand how my generation works.",
    "seniority": "1",
    "department": "Marketing",
    "languages": ["en", "fr"],
    "frequency": "biweekly",
    "capacity": "2",
}


@pytest.fixture
async def programme(harness: Harness) -> Programme:
    """The default reverse-mentoring programme."""
    async with harness.engine.db.session() as session:
        created = await seed_default_programme(session, "Reverse mentoring")
    assert created is not None
    return created


async def enrolments(harness: Harness) -> list[Enrolment]:
    async with harness.engine.db.session() as session:
        return list((await session.exec(select(Enrolment))).all())


async def test_alice_joins_as_a_mentor_and_sees_the_confirmation(
    harness: Harness, programme: Programme
) -> None:
    alice = harness.person("Alice")
    await alice.types("/mentoring join")
    assert alice.form is not None and alice.form.form_id == "enrol.start"
    assert "junior" in alice.last.text  # the role is explained in reverse-mentoring words
    await alice.submits(role="mentor")
    assert alice.form is not None and alice.form.form_id == "enrol.details"
    assert "mentor" in {f.name for f in alice.form.fields} or "capacity" in {
        f.name for f in alice.form.fields
    }
    assert alice.sees("Privacy")
    await alice.submits(**DETAILS)
    assert alice.form is None
    assert alice.sees("Please check your enrolment")
    assert alice.sees("AI, Social media")
    assert await enrolments(harness) == []  # nothing saved before confirming
    await alice.clicks("Confirm")
    assert alice.sees("You're enrolled in *Reverse mentoring* as a mentor")
    [saved] = await enrolments(harness)
    assert saved.role == "mentor"
    assert saved.topics_share == ["AI", "Social media"]
    assert saved.capacity == 2
    assert saved.languages == ["en", "fr"]


async def test_claire_joins_in_french_as_a_mentee(harness: Harness, programme: Programme) -> None:
    claire = harness.person("Claire", locale="fr-FR")
    await claire.types("/mentoring rejoindre")
    assert claire.form is not None
    assert claire.form.title == "Rejoindre le mentorat"
    await claire.submits(role="mentee")
    assert claire.form is not None
    assert "capacity" not in {f.name for f in claire.form.fields}
    topics = {o.value: o.label for f in claire.form.fields if f.name == "topics" for o in f.options}
    assert topics["AI"] == "IA" and topics["Digital tools"] == "Outils numériques"
    assert {f.label for f in claire.form.fields} >= {"Sujets que vous souhaitez découvrir"}
    await claire.submits(**{**DETAILS, "seniority": "5", "capacity": "9"})
    assert claire.sees("Vérifiez votre inscription")
    # Topics, frequency and role in French; the values stored stay the programme's own.
    assert claire.sees("Sujets\u00a0: IA, Réseaux sociaux")
    assert claire.sees("Fréquence des rencontres\u00a0: Toutes les deux semaines")
    assert claire.sees("Rôle\u00a0: mentoré·e")
    await claire.clicks("Confirmer")
    assert claire.sees("Vous êtes inscrit·e au programme *Reverse mentoring* en tant que mentoré·e")
    [saved] = await enrolments(harness)
    assert (saved.role, saved.capacity, saved.topics_learn) == ("mentee", 1, ["AI", "Social media"])
    await claire.types("/mentoring statut")
    assert claire.sees("Sujets\u00a0: IA, Réseaux sociaux")
    assert claire.sees("Statut\u00a0: actif")
    await claire.types("/mentoring données")
    assert claire.sees("Sujets\u00a0: IA, Réseaux sociaux")
    assert claire.sees("Langues\u00a0: anglais, français")


async def test_bad_answers_get_errors_on_the_fields_and_nothing_is_saved(
    harness: Harness, programme: Programme
) -> None:
    bob = harness.person("Bob")
    await bob.types("/mentoring join")
    await bob.submits(role="ceo")
    assert bob.last.errors == {"role": "Please pick one of the choices offered."}
    await bob.submits(role="mentor")
    await bob.submits(
        **{
            **DETAILS,
            "goals": "x" * 501,
            "topics": ["Knitting"],
            "capacity": "7",
            "self_description": "Women's leadership track",
        }
    )
    errors = bob.last.errors
    assert errors["goals"] == "Please keep this under 500 characters (you wrote 501)."
    assert errors["topics"] == "Please pick one of the choices offered."
    assert errors["capacity"] == "Please enter a number from 1 to 2."
    assert "tick this box" in errors["consent"]
    assert bob.form is not None and bob.form.form_id == "enrol.details"
    await bob.submits(**{**DETAILS, "goals": "   ", "self_description": ""})
    assert bob.last.errors == {"goals": "Please answer this question."}
    assert await enrolments(harness) == []


async def test_consent_keeps_the_self_description(harness: Harness, programme: Programme) -> None:
    dana = harness.person("Dana")
    await dana.types("join")
    await dana.submits(role="mentor")
    await dana.submits(**DETAILS, self_description="Women's leadership track", consent="yes")
    await dana.clicks("Confirm")
    [saved] = await enrolments(harness)
    assert saved.self_description == "Women's leadership track"
    assert saved.self_description_consent is True


async def test_a_self_description_refused_for_want_of_consent_is_kept_nowhere(
    harness: Harness, programme: Programme
) -> None:
    # The leak: the refused form's values went into the stored dialogue state, consent or not.
    eva = harness.person("Eva")
    await eva.types("/mentoring join")
    await eva.submits(role="mentee")
    await eva.submits(**DETAILS, self_description="Private-note-marker-42")
    assert "tick this box" in eva.last.errors["consent"]
    assert "type it again" in eva.last.errors["self_description"]
    assert eva.form is not None
    [note] = [f for f in eva.form.fields if f.name == "self_description"]
    assert not note.initial  # not shown back either
    async with harness.engine.db.session() as session:
        [state] = (await session.exec(select(Dialogue))).all()
    assert "Private-note-marker-42" not in str(state.data)
    assert state.step == "details"
    # With consent it is kept, as promised.
    await eva.submits(**DETAILS, self_description="Private-note-marker-42", consent="yes")
    await eva.clicks("Confirm")
    [saved] = await enrolments(harness)
    assert saved.self_description == "Private-note-marker-42"


async def test_a_form_submitted_twice_and_an_old_button_are_handled(
    harness: Harness, programme: Programme
) -> None:
    eve = harness.person("Eve")
    await eve.types("/mentoring join")
    first_form = eve.form
    await eve.submits(role="mentor")
    details_form = eve.form
    await eve.submits(first_form, role="mentee")  # the first form again
    assert eve.sees("out of date")
    await eve.submits(details_form, **DETAILS)
    await eve.clicks("Confirm")
    await eve.clicks("Confirm")  # a second click on the same button
    assert eve.sees("out of date")
    assert len(await enrolments(harness)) == 1


async def test_an_unfinished_enrolment_can_be_resumed_or_restarted(
    harness: Harness, programme: Programme
) -> None:
    fay = harness.person("Fay")
    await fay.types("/mentoring join")
    await fay.submits(role="mentor")
    # The server restarts: a new engine on the same database still knows where Fay was.
    from bot.core.engine import Engine

    harness.engine = Engine(harness.engine.db, harness.engine.settings)
    await fay.types("/mentoring join")
    assert fay.sees("unfinished enrolment")
    await fay.clicks("Resume")
    assert fay.form is not None and fay.form.form_id == "enrol.details"
    await fay.types("/mentoring join")
    await fay.clicks("Start again")
    assert fay.form is not None and fay.form.form_id == "enrol.start"
    async with harness.engine.db.session() as session:
        [d] = (await session.exec(select(Dialogue))).all()
    assert d.step == "start"


async def test_edit_changes_answers_and_cancel_keeps_them(
    harness: Harness, programme: Programme
) -> None:
    gus = harness.person("Gus")
    await gus.types("join")
    await gus.submits(role="mentor")
    await gus.submits(**DETAILS)
    await gus.clicks("Confirm")
    await gus.types("/mentoring edit")
    assert gus.form is not None
    assert gus.form.fields[0].initial == "mentor"
    await gus.submits()
    details = gus.form
    assert details is not None
    assert {f.name: f.initial for f in details.fields}["goals"] == DETAILS["goals"]
    await gus.submits(goals="New goals")
    assert gus.sees("Please check your changes")
    await gus.clicks("Confirm")
    assert gus.sees("is updated")
    [saved] = await enrolments(harness)
    assert saved.goals == "New goals"
    await gus.types("/mentoring edit")
    await gus.submits()
    await gus.submits(goals="Never saved")
    await gus.clicks("Cancel")
    assert gus.sees("your enrolment is unchanged")
    [saved] = await enrolments(harness)
    assert saved.goals == "New goals"


async def test_join_without_programme_says_so_politely(harness: Harness) -> None:
    ann = harness.person("Ann")
    await ann.types("/mentoring join")
    assert ann.sees("no mentoring programme open")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring join")
    assert admin.sees("/mentoring admin programme create")


async def test_joining_twice_points_to_edit(harness: Harness, programme: Programme) -> None:
    hal = harness.person("Hal")
    await hal.types("join")
    await hal.submits(role="mentee")
    await hal.submits(**DETAILS)
    await hal.clicks("Confirm")
    await hal.types("join")
    assert hal.sees("already enrolled")
    await hal.types("join Nonexistent programme")
    assert hal.sees("I don't know that programme")
