"""A participant asks privately for a new partner; an admin ends a pair; admins list pairs."""

from __future__ import annotations

from tests.conftest import ADMIN_ID
from tests.harness import Harness
from tests.harness import Person as Speaker
from tests.scenarios.matching_people import (
    enrol,
    make_programme,
    outbox,
    pairs,
    person_id,
    queued,
    text_of,
)


async def paired(harness: Harness) -> tuple[Speaker, Speaker, Speaker]:
    """Alice (mentor) and Bruno (mentee, French) in an active pair; the admin who approved it."""
    await make_programme(harness)
    alice = harness.person("Alice")
    bruno = harness.person("Bruno", locale="fr-FR")
    await enrol(alice, "mentor", department="IT", capacity=2)
    await enrol(bruno, "mentee", department="Legal")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin match")
    await admin.clicks("Approve and introduce")
    assert admin.sees("approved")
    return alice, bruno, admin


async def test_a_participant_asks_for_a_rematch_privately(harness: Harness) -> None:
    alice, bruno, admin = await paired(harness)
    [pair] = await pairs(harness, "active")
    before = len(await outbox(harness))

    await alice.types("/mentoring rematch")
    assert alice.sees("end your pair with *Bruno* (Reverse mentoring)")
    assert alice.sees("your partner is only told, neutrally")
    await alice.clicks("Keep my pair")
    assert alice.sees("your pair stays as it is")
    assert [p.status for p in await pairs(harness)] == ["active"]

    await alice.types("/mentoring rematch")
    await alice.clicks("Yes, find me someone else")
    assert alice.sees("your pair has ended")
    [ended] = await pairs(harness)
    assert (ended.status, ended.end_reason) == ("ended", "rematch")
    assert ended.ended_at is not None

    to_bruno = text_of(
        await queued(harness, f"pair-ended:{pair.id}:{await person_id(harness, bruno)}")
    )
    assert "Votre binôme avec Alice" in to_bruno and "a pris fin" in to_bruno
    assert "demand" not in to_bruno  # neutral: never who asked
    to_admin = text_of(
        await queued(harness, f"rematch:{pair.id}:{await person_id(harness, admin)}")
    )
    assert "*Alice* asked for a new partner" in to_admin
    assert len(await outbox(harness)) == before + 2

    await alice.clicks("Yes, find me someone else")  # a second click
    assert alice.sees("already ended")
    assert len(await outbox(harness)) == before + 2

    # Both are back in the pool, but never paired together again within the window.
    await admin.types("/mentoring admin match")
    assert admin.sees("No pair is possible")
    cleo = harness.person("Cleo")
    await enrol(cleo, "mentee", department="Legal")
    await admin.types("/mentoring admin match")
    assert admin.sees("Alice (mentor) → Cleo (mentee)")
    assert admin.sees("Bruno (mentee: no mentor fits the programme's rules)")


async def test_someone_outside_the_pair_cannot_end_it(harness: Harness) -> None:
    alice, _bruno, _admin = await paired(harness)
    await alice.types("/mentoring rematch")
    eve = harness.person("Eve")
    eve.turns.append(alice.last)
    await eve.clicks("Yes, find me someone else")
    assert eve.sees("out of date")
    assert [p.status for p in await pairs(harness)] == ["active"]


async def test_rematch_without_a_pair_says_so(harness: Harness) -> None:
    await make_programme(harness)
    solo = harness.person("Solo", locale="fr-FR")
    await solo.types("/mentoring rematch")
    assert solo.sees("Vous n'êtes pas en binôme en ce moment")


async def test_an_admin_lists_pairs_and_ends_one_early(harness: Harness) -> None:
    alice, bruno, admin = await paired(harness)
    [pair] = await pairs(harness, "active")
    await admin.types("/mentoring admin pairs")
    assert admin.sees("Running pairs: all programmes")
    assert admin.sees(f"#{pair.id}* Alice → Bruno · since")
    await admin.types("/mentoring admin pairs Reverse mentoring")
    assert admin.sees("Running pairs: Reverse mentoring")

    await admin.types("/mentoring admin pair end")
    assert admin.sees("Give the pair's number")
    await admin.types(f"/mentoring admin pair end #{pair.id}")
    assert admin.sees(f"Pair #{pair.id} has ended")
    [ended] = await pairs(harness)
    assert (ended.status, ended.end_reason) == ("ended", "admin")
    for member, partner in ((alice, "Bruno"), (bruno, "Alice")):
        key = f"pair-ended:{pair.id}:{await person_id(harness, member)}"
        assert partner in text_of(await queued(harness, key))
    await admin.types(f"/mentoring admin pair end {pair.id}")
    assert admin.sees("is not running")
    await admin.types("/mentoring admin pairs")
    assert admin.sees("No running pair yet")

    await admin.clicks("Propose pairs now")  # from the "ended" message
    assert admin.sees("No pair is possible")  # the same two, within the repeat window


async def test_the_help_lists_rematch(harness: Harness) -> None:
    ann = harness.person("Ann")
    await ann.types("/mentoring help")
    assert ann.sees("/mentoring rematch` — ask privately for a new partner")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring help")
    for command in ("admin match", "admin match swap", "admin pairs", "admin pair end"):
        assert admin.sees(f"/mentoring {command}")
