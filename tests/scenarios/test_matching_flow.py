"""An admin proposes pairs, reads why, changes the proposal, approves; pairs get introduced."""

from __future__ import annotations

from bot.core.model import Action, Actions, Platform, UserRef
from bot.core.serialize import from_data
from storage.conversation_refs import save_reference
from storage.tables import Programme
from tests.conftest import ADMIN_ID
from tests.harness import Harness
from tests.scenarios.matching_people import (
    enrol,
    exclusions,
    make_programme,
    outbox,
    pairs,
    person_id,
    queued,
    rounds,
    text_of,
)


async def test_the_admin_previews_then_approves_and_both_people_are_introduced(
    harness: Harness,
) -> None:
    await make_programme(harness)
    alice = harness.person("Alice")
    bruno = harness.person("Bruno", locale="fr-FR")
    await enrol(
        alice,
        "mentor",
        topics=["AI", "Social media", "Hybrid work"],
        languages=["fr", "en"],
        department="Marketing",
    )
    await enrol(
        bruno,
        "mentee",
        topics=["AI", "Social media", "Hybrid work", "Career paths"],
        languages=["fr"],
        department="Finance",
    )
    admin = harness.person("Admin", user_id=ADMIN_ID)

    await admin.types("/mentoring admin match")
    assert admin.sees("Proposed pairs for Reverse mentoring")
    assert admin.sees("Alice (mentor) → Bruno (mentee)")
    assert admin.sees("3 shared topics: AI, Hybrid work, Social media; both speak French")
    assert admin.sees("same time zone")
    assert admin.sees("Nothing is sent before you approve")
    assert await outbox(harness) == []  # nothing reaches anyone before the approval
    [proposed] = await pairs(harness)
    assert proposed.status == "proposed"

    await admin.clicks("Approve and introduce")
    assert admin.sees("approved: 1 pair introduced, 0 people told")
    [pair] = await pairs(harness)
    assert pair.status == "active" and pair.introduced_at is not None

    to_alice = text_of(await queued(harness, f"intro:{pair.id}:{await person_id(harness, alice)}"))
    assert "Meet your mentee, Bruno!" in to_alice
    assert "Why you two:* 3 shared topics: AI, Hybrid work, Social media" in to_alice
    assert "Three icebreakers" in to_alice and "A first meeting in 30 minutes" in to_alice
    assert "Every 14 days" in to_alice and "/mentoring rematch" in to_alice
    assert "/mentoring leave" in to_alice
    to_bruno = text_of(await queued(harness, f"intro:{pair.id}:{await person_id(harness, bruno)}"))
    assert "Voici votre mentor\u00a0: Alice\u202f!" in to_bruno
    assert "3 sujets en commun\u00a0: AI, Hybrid work, Social media" in to_bruno
    assert "langue commune\u00a0: français" in to_bruno
    assert len(await outbox(harness)) == 2

    await admin.clicks("Approve and introduce")  # a second click changes nothing
    assert admin.sees("already approved or cancelled")
    assert len(await outbox(harness)) == 2
    assert [p.status for p in await pairs(harness)] == ["active"]


async def test_in_slack_the_pair_gets_one_group_message_in_both_languages(
    harness: Harness,
) -> None:
    await make_programme(harness)
    sam = harness.person("Sam", platform=Platform.SLACK)
    lea = harness.person("Léa", platform=Platform.SLACK, locale="fr-FR")
    await enrol(sam, "mentor", department="IT")
    await enrol(lea, "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID, platform=Platform.SLACK)
    await admin.types("/mentoring admin match")
    await admin.clicks("Approve and introduce")

    [pair] = await pairs(harness, "active")
    [row] = await outbox(harness)
    assert row.key == f"intro:{pair.id}:group" and row.platform == "slack"
    assert [from_data(t) for t in row.target] == [sam.user, lea.user]
    text = text_of(row)
    assert "Sam and Léa, meet each other!" in text
    assert "Sam et Léa, faites connaissance\u202f!" in text  # they don't share a language


async def test_in_teams_each_person_gets_a_direct_message_in_their_language(
    harness: Harness,
) -> None:
    await make_programme(harness)
    tom = harness.person("Tom", platform=Platform.TEAMS)
    ines = harness.person("Inès", platform=Platform.TEAMS, locale="fr-FR")
    await enrol(tom, "mentor", department="IT")
    await enrol(ines, "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID, platform=Platform.TEAMS)
    await admin.types("/mentoring admin match")
    await admin.clicks("Approve and introduce")

    [pair] = await pairs(harness, "active")
    rows = {row.key: row for row in await outbox(harness)}
    tom_key = f"intro:{pair.id}:{await person_id(harness, tom)}"
    ines_key = f"intro:{pair.id}:{await person_id(harness, ines)}"
    assert set(rows) == {tom_key, ines_key}
    assert from_data(rows[tom_key].target) == tom.user
    assert isinstance(from_data(rows[ines_key].target), UserRef)
    # Each names and @mentions the other (the Teams adapter renders <@id|name> as a mention).
    assert "Meet your mentee, <@UINÈS|Inès>!" in text_of(rows[tom_key])
    assert "Voici votre mentor\u00a0: <@UTOM|Tom>\u202f!" in text_of(rows[ines_key])


async def test_in_teams_the_introduction_opens_a_chat_when_the_partner_sign_in_is_known(
    harness: Harness,
) -> None:
    await make_programme(harness)
    tom = harness.person("Tom", platform=Platform.TEAMS)
    ines = harness.person("Inès", platform=Platform.TEAMS, locale="fr-FR")
    await enrol(tom, "mentor", department="IT")
    await enrol(ines, "mentee", department="Legal")
    async with harness.engine.db.session() as session:  # what the Teams adapter learnt
        await save_reference(
            session,
            await person_id(harness, ines),
            "a:ines",
            {"user": {"id": "UINÈS", "userPrincipalName": "ines@example.com"}},
        )
    admin = harness.person("Admin", user_id=ADMIN_ID, platform=Platform.TEAMS)
    await admin.types("/mentoring admin match")
    await admin.clicks("Approve and introduce")
    [pair] = await pairs(harness, "active")
    rows = {row.key: from_data(row.payload) for row in await outbox(harness)}
    to_tom = rows[f"intro:{pair.id}:{await person_id(harness, tom)}"]
    links = [b for e in to_tom.elements if isinstance(e, Actions) for b in e.buttons if b.url]
    assert [(b.label, b.url) for b in links] == [
        (
            "Open a chat with Inès",
            "https://teams.microsoft.com/l/chat/0/0?users=ines@example.com",
        )
    ]
    to_ines = rows[f"intro:{pair.id}:{await person_id(harness, ines)}"]
    assert not [e for e in to_ines.elements if isinstance(e, Actions)]  # Tom's is unknown


async def test_people_left_unmatched_are_told_kindly_why_and_what_comes_next(
    harness: Harness,
) -> None:
    await make_programme(harness)
    alice = harness.person("Alice")
    await enrol(alice, "mentor", capacity=1, department="IT")
    bob = harness.person("Bob")
    dan = harness.person("Dan", locale="fr-FR")
    await enrol(bob, "mentee", department="Legal", topics=["AI"])
    await enrol(dan, "mentee", department="Legal", topics=["Sustainability"])
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("Left unmatched this round:* Dan (mentee: no mentor with capacity left)")
    french = harness.person("Fanny", user_id=ADMIN_ID, locale="fr-FR")  # the admin, in French
    await french.types("/mentoring admin match")
    assert french.sees(
        "Sans binôme à ce tour\u00a0:* Dan (mentoré·e\u00a0: plus aucun mentor n'a de place)"
    )
    await french.clicks("Valider et présenter")
    assert french.sees(
        "1 binôme présenté\u202f; 1 personne prévenue avec bienveillance de l'absence de binôme"
    )

    superseded, rnd = await rounds(harness)
    assert (superseded.status, rnd.status) == ("cancelled", "approved")
    notice = text_of(await queued(harness, f"unmatched:{rnd.id}:{await person_id(harness, dan)}"))
    assert "Pas de binôme pour vous à ce tour" in notice
    assert "accompagnent déjà autant de personnes" in notice
    assert "prochain tour" in notice


async def test_cancelling_a_round_sends_nothing(harness: Harness) -> None:
    await make_programme(harness)
    await enrol(harness.person("Alice"), "mentor", department="IT")
    await enrol(harness.person("Bob"), "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    await admin.clicks("Cancel the round")
    assert admin.sees("cancelled. Nothing was sent")
    assert await pairs(harness) == [] and await outbox(harness) == []
    assert [r.status for r in await rounds(harness)] == ["cancelled"]
    await admin.clicks("Approve and introduce")  # the old button is stale now
    assert admin.sees("already approved or cancelled")
    assert await outbox(harness) == []


async def test_excluding_a_pair_proposes_again_without_it_for_good(harness: Harness) -> None:
    await make_programme(harness)
    alice, amir = harness.person("Alice"), harness.person("Amir")
    await enrol(alice, "mentor", topics=["AI"], department="IT")
    await enrol(amir, "mentor", topics=["Sustainability"], department="IT")
    bob, bea = harness.person("Bob"), harness.person("Bea")
    await enrol(bob, "mentee", topics=["AI"], department="Legal")
    await enrol(bea, "mentee", topics=["Sustainability"], department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("Alice (mentor) → Bob (mentee)")
    first = {(p.mentor_id, p.mentee_id): p.id for p in await pairs(harness)}
    alice_bob = first[(await person_id(harness, alice), await person_id(harness, bob))]

    await admin.clicks(f"Exclude #{alice_bob}")
    assert admin.sees(f"Pair #{alice_bob} is excluded for good")
    assert admin.sees("Alice (mentor) → Bea (mentee)")
    assert admin.sees("Amir (mentor) → Bob (mentee)")
    [excluded] = await exclusions(harness)
    assert (excluded.mentor_id, excluded.mentee_id) == (
        await person_id(harness, alice),
        await person_id(harness, bob),
    )
    assert await outbox(harness) == []

    await admin.types("/mentoring admin match")  # a new round remembers the exclusion
    assert not admin.sees("Alice (mentor) → Bob (mentee)")


async def test_swapping_two_mentees_keeps_the_hard_rules(harness: Harness) -> None:
    await make_programme(harness)
    alice, amir = harness.person("Alice"), harness.person("Amir")
    await enrol(alice, "mentor", topics=["AI"], department="IT")
    await enrol(amir, "mentor", topics=["Sustainability"], department="Legal")
    bob, bea = harness.person("Bob"), harness.person("Bea")
    await enrol(bob, "mentee", topics=["AI"], department="Legal")
    await enrol(bea, "mentee", topics=["Sustainability"], department="IT")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    a, b = sorted(p.id or 0 for p in await pairs(harness))

    await admin.types(f"/mentoring admin match swap #{a} #{b}")
    assert admin.sees("can't swap these mentees")
    assert admin.sees("Alice with Bea: same department")
    assert admin.sees("Amir with Bob: same department")
    unchanged = {p.id: p.mentee_id for p in await pairs(harness)}
    assert unchanged[a] == await person_id(harness, bob)

    async with harness.engine.db.session() as session:  # the departments no longer matter
        programme = await session.get(Programme, (await pairs(harness))[0].programme_id)
        assert programme is not None
        programme.separate_departments = False
    await admin.types(f"/mentoring admin match swap {a} {b}")
    assert admin.sees(f"Mentees of #{a} and #{b} swapped")
    assert admin.sees("Alice (mentor) → Bea (mentee)")
    assert admin.sees("both speak English; same time zone; both want to meet every two weeks")
    swapped = {p.id: p.mentee_id for p in await pairs(harness)}
    assert swapped[a] == await person_id(harness, bea)

    await admin.types("/mentoring admin match swap 12")
    assert admin.sees("Give the numbers of two proposed pairs")
    await admin.types("/mentoring admin match swap 998 999")
    assert admin.sees("must be pairs of a round waiting for approval")


async def test_running_a_round_twice_never_pairs_anyone_twice(harness: Harness) -> None:
    await make_programme(harness)
    alice = harness.person("Alice")
    await enrol(alice, "mentor", capacity=2, department="IT")
    bob = harness.person("Bob")
    await enrol(bob, "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    await admin.clicks("Approve and introduce")

    await admin.types("/mentoring admin match")  # Bob is taken, Alice has a free slot
    assert admin.sees("has 1 mentor available but no mentee")
    assert admin.sees("Nothing was sent to anyone")
    cleo = harness.person("Cleo")
    await enrol(cleo, "mentee", department="Legal")
    await admin.types("/mentoring admin match")
    assert admin.sees("Alice (mentor) → Cleo (mentee)")
    assert not admin.sees("→ Bob")
    await admin.clicks("Approve and introduce")
    active = await pairs(harness, "active")
    assert len(active) == 2
    assert len({p.mentee_id for p in active}) == 2
    assert {p.mentor_id for p in active} == {await person_id(harness, alice)}
    await admin.types("/mentoring admin match")  # Alice is full now
    assert admin.sees("Nobody is available to match")


async def test_a_newer_preview_makes_the_older_one_stale(harness: Harness) -> None:
    await make_programme(harness)
    await enrol(harness.person("Alice"), "mentor", department="IT")
    await enrol(harness.person("Bob"), "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    old = admin.button("Approve and introduce")
    await admin.types("/mentoring admin match --preview")
    first, second = await rounds(harness)
    assert (first.status, second.status) == ("cancelled", "preview")
    assert old.value == f"round:{first.id}"
    answer = await harness.engine.handle(Action(admin.actor, admin.dm, old.action_id, old.value))
    assert "already approved or cancelled" in str(answer)
    await admin.clicks("Approve and introduce")
    assert admin.sees("approved: 1 pair")
    assert len(await pairs(harness, "active")) == 1


async def test_only_admins_may_match_or_approve(harness: Harness) -> None:
    await make_programme(harness)
    await enrol(harness.person("Alice"), "mentor", department="IT")
    await enrol(harness.person("Bob"), "mentee", department="Legal")
    eve = harness.person("Eve")
    await eve.types("/mentoring admin match")
    assert eve.sees("Only programme admins")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    button = admin.button("Approve and introduce")
    eve.turns.append(admin.last)  # Eve got hold of the button somehow
    await eve.clicks(button.label)
    assert eve.sees("Only programme admins")
    assert await pairs(harness, "active") == [] and await outbox(harness) == []
