"""Bad input gets a clear preview and nothing is sent; hard rules always hold."""

from __future__ import annotations

from sqlmodel import col, select

from storage.tables import Enrolment, Person, Programme
from tests.conftest import ADMIN_ID
from tests.harness import Harness
from tests.scenarios.matching_people import (
    add_people,
    enrol,
    make_programme,
    outbox,
    pairs,
    person_id,
    rounds,
    rows,
    text_of,
)


async def test_no_participants_only_mentors_or_only_mentees_give_a_clear_message(
    harness: Harness,
) -> None:
    await make_programme(harness)
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("No pairs to propose for Reverse mentoring")
    assert admin.sees("Nobody is available to match")
    assert admin.sees("Nothing was sent to anyone")
    assert not admin.sees("Approve")

    await enrol(harness.person("Alice"), "mentor", department="IT")
    await admin.types("/mentoring admin match")
    assert admin.sees("has 1 mentor available but no mentee")

    only_mentees = await make_programme(harness, "Classic", kind="classic")
    await enrol(harness.person("Bob"), "mentee", programme=only_mentees)
    await admin.types("/mentoring admin match Classic")
    assert admin.sees("*Classic* has 1 mentee waiting but no mentor available")
    assert [r.status for r in await rounds(harness)] == ["cancelled"] * 3
    assert await pairs(harness) == [] and await outbox(harness) == []


async def test_when_every_pair_is_excluded_nothing_can_be_approved(harness: Harness) -> None:
    await make_programme(harness)
    await enrol(harness.person("Alice"), "mentor", department="IT")
    await enrol(harness.person("Bob"), "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    [pair] = await pairs(harness)
    await admin.clicks(f"Exclude #{pair.id}")
    assert admin.sees("No pair is possible in *Reverse mentoring*")
    assert admin.sees("Alice (mentor: no mentee fits the programme's rules)")
    assert not admin.sees("Approve")
    await admin.clicks("Approve and introduce")  # the button of the first preview
    assert admin.sees("already approved or cancelled")
    assert await pairs(harness) == [] and await outbox(harness) == []


async def test_seniority_department_and_reporting_line_are_never_broken(
    harness: Harness,
) -> None:
    await make_programme(harness)
    admin = harness.person("Admin", user_id=ADMIN_ID)
    junior = harness.person("Jun")
    await enrol(junior, "mentor", department="IT", seniority=2)
    too_close = harness.person("Close")
    await enrol(too_close, "mentee", department="Legal", seniority=3)  # gap 1 < 2
    colleague = harness.person("Colleague")
    await enrol(colleague, "mentee", department="it ", seniority=6)  # same department
    await admin.types("/mentoring admin match")
    assert admin.sees("No pair is possible")

    boss = harness.person("Boss")
    await enrol(boss, "mentee", department="Legal", seniority=6)
    async with harness.engine.db.session() as session:  # Jun reports to Boss
        jun = (await session.exec(select(Person).where(Person.user_id == "UJUN"))).one()
        jun.manager_user_id = boss.user.user_id
    await admin.types("/mentoring admin match")
    assert admin.sees("No pair is possible")
    assert await pairs(harness) == []


async def test_capacities_outside_the_programme_bounds_are_brought_within_them(
    harness: Harness,
) -> None:
    programme = await make_programme(harness, max_capacity=2)
    mentors = await add_people(
        harness, programme, "mentor", 1, prefix="M", department="IT", seniority=1, capacity=9
    )
    await add_people(harness, programme, "mentee", 4, prefix="E", department="HR", seniority=5)
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("1 mentor asked for a capacity outside 1–2")
    assert admin.sees("2 pairs for 1 mentor and 4 mentees")
    assert {p.mentor_id for p in await pairs(harness)} == {mentors[0].id}

    async with harness.engine.db.session() as session:  # an impossible programme setting
        found = await session.get(Programme, programme.id)
        assert found is not None
        found.max_capacity = 0
    await admin.types("/mentoring admin match")
    assert admin.sees("The matching settings of *Reverse mentoring* are inconsistent")
    assert admin.sees("max_capacity=0")
    assert await outbox(harness) == []


async def test_broken_weights_are_explained_not_crashed_on(harness: Harness) -> None:
    await make_programme(harness, weights={"topic": -1})
    await enrol(harness.person("Alice"), "mentor", department="IT")
    await enrol(harness.person("Bob"), "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("are inconsistent")
    assert admin.sees("topic")
    assert await pairs(harness) == []


async def test_a_large_programme_shows_a_summary_and_points_to_the_csv(harness: Harness) -> None:
    programme = await make_programme(harness)
    await add_people(harness, programme, "mentor", 25, prefix="M", department="IT", seniority=1)
    await add_people(harness, programme, "mentee", 27, prefix="E", department="HR", seniority=5)
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("25 pairs for 25 mentors and 27 mentees available")
    assert admin.sees("Showing the first 20 of 25 pairs")
    [rnd] = await rounds(harness)
    assert admin.sees(f"python app.py match --round {rnd.id} --csv pairs.csv")
    assert admin.sees("Left unmatched this round:* E0")
    assert admin.sees("(mentee: no mentor with capacity left)")
    message = admin.last.messages[0]
    assert len(message.elements) <= 50  # Slack's block limit
    await admin.clicks("Approve and introduce")
    assert admin.sees("25 pairs introduced, 2 people told")
    assert len(await pairs(harness, "active")) == 25
    assert len(await outbox(harness)) == 25 * 2 + 2


async def test_paused_people_are_left_out(harness: Harness) -> None:
    await make_programme(harness)
    alice = harness.person("Alice")
    await enrol(alice, "mentor", department="IT")
    bob = harness.person("Bob")
    await enrol(bob, "mentee", department="Legal")
    await bob.types("/mentoring pause")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("no mentee to pair with")
    await bob.types("/mentoring resume")
    await admin.types("/mentoring admin match")
    assert admin.sees("Alice (mentor) → Bob (mentee)")


async def test_someone_who_pauses_before_the_approval_is_not_introduced(
    harness: Harness,
) -> None:
    await make_programme(harness)
    alice = harness.person("Alice")
    await enrol(alice, "mentor", department="IT")
    bob = harness.person("Bob")
    await enrol(bob, "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    await bob.types("/mentoring pause")
    await admin.clicks("Approve and introduce")
    assert admin.sees("Nothing was approved")
    assert await pairs(harness) == []
    assert await outbox(harness) == []  # no half-sent introduction
    assert [r.status for r in await rounds(harness)] == ["cancelled"]


async def test_a_consented_track_helps_matching_but_is_never_named(harness: Harness) -> None:
    await make_programme(harness, priority_tracks=["women's leadership"])
    ada = harness.person("Ada")
    await enrol(
        ada,
        "mentor",
        department="IT",
        self_description="I'd like to mentor in the Women's Leadership track",
        consent=True,
    )
    await enrol(harness.person("Bob"), "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    assert admin.sees("fits a programme priority")
    assert not admin.sees("leadership")
    await admin.clicks("Approve and introduce")
    for row in await outbox(harness):
        assert "leadership" not in text_of(row).lower()
        assert "priority" not in text_of(row).lower()
    [enrolment] = await rows(
        harness, Enrolment, col(Enrolment.person_id) == await person_id(harness, ada)
    )
    assert enrolment.self_description_consent
