"""Every foundation command, as people would use it, in English and in French."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.core.engine import Engine
from bot.core.model import Actor, Command, Platform, PublishHome, Reply, UserRef
from storage.programmes import seed_default_programme
from storage.tables import Enrolment, Pair, Person, Programme
from tests.conftest import ADMIN_ID, MANAGER_ID
from tests.harness import Harness
from tests.harness import Person as Speaker
from tests.typography import french_problems

DETAILS: dict[str, str | list[str]] = {
    "topics": ["AI"],
    "goals": "Share how my generation uses AI.",
    "seniority": "1",
    "department": "Sales",
    "languages": ["fr"],
    "frequency": "monthly",
    "capacity": "1",
}


@pytest.fixture
async def programme(harness: Harness) -> Programme:
    async with harness.engine.db.session() as session:
        created = await seed_default_programme(session, "Reverse mentoring")
    assert created is not None
    return created


async def enrol(person: Speaker, role: str = "mentor") -> None:
    await person.types("/mentoring join")
    await person.submits(role=role)
    await person.submits(**DETAILS)
    await person.clicks("enrol.confirm")


async def rows(harness: Harness, table: type[Any]) -> list[Any]:
    async with harness.engine.db.session() as session:
        return list((await session.exec(select(table))).all())


async def test_help_lists_the_commands_and_admins_see_theirs(harness: Harness) -> None:
    ann = harness.person("Ann")
    await ann.types("/mentoring help")
    for word in ("join", "status", "edit", "pause", "resume", "language", "mydata", "leave"):
        assert ann.sees(f"/mentoring {word}")
    assert not ann.sees("admin programme")
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring help")
    assert admin.sees("/mentoring admin programme create")
    fr = harness.person("Fanny", locale="fr-FR")
    await fr.types("aide")
    assert fr.sees("Mentorat\u00a0: ce que je sais faire")
    assert fr.sees("`/mentoring rejoindre`") and fr.sees("`/mentoring statut`")  # French words
    assert french_problems(fr.last.text) == []


async def test_an_empty_command_shows_the_help_and_unknown_ones_get_a_suggestion(
    harness: Harness,
) -> None:
    ann = harness.person("Ann")
    await ann.types("/mentoring")
    assert ann.sees("what I can do")
    await ann.types("/mentoring stauts")
    assert ann.sees("Did you mean `/mentoring status`?")
    await ann.types("/mentoring <script>")
    # Neutral markup: what was typed is escaped (Slack shows it as typed, never as markup).
    assert ann.sees("I don't know `&lt;script&gt;`")
    fr = harness.person("Fanny", locale="fr-FR")
    await fr.types("/mentoring jion")
    assert fr.sees("Vouliez-vous dire `/mentoring rejoindre`\u202f?")  # in the reader's words


async def test_a_greeting_is_answered_in_its_own_language(harness: Harness) -> None:
    ann = harness.person("Ann Smith")  # her platform speaks English
    await ann.says("Bonjour !")
    assert ann.sees("Bonjour Ann\u202f! Je suis le bot de mentorat. Tapez `aide`")
    assert ann.sees("Pour que je vous parle en français, tapez `langue fr`.")
    await ann.says("hello")
    assert ann.sees("Hello Ann! I'm the mentoring bot. Type `help`")
    assert not ann.sees("language")  # already her language
    zoe = harness.person("Zoé", locale="fr-FR")
    await zoe.types("/mentoring salut")
    assert zoe.sees("Bonjour Zoé\u202f!") and not zoe.sees("langue fr")
    await zoe.types("langue en")  # the French word for the command
    assert zoe.sees("I'll speak English with you")


async def test_french_words_work_as_commands_and_suggestions_use_them(
    harness: Harness, programme: Programme
) -> None:
    zoe = harness.person("Zoé", locale="fr-FR")
    for word, shows in (
        ("Aide", "ce que je sais faire"),
        ("statut", "Vous n'êtes inscrit·e à aucun programme"),
        ("avis", "donner votre avis sur les programmes auxquels vous participez"),
        ("changer", "Vous n'êtes pas en binôme en ce moment"),
        ("données", "Tout ce qui est conservé à votre sujet"),
    ):
        await zoe.types(f"/mentoring {word}")
        assert zoe.sees(shows), word
    await zoe.types("/mentoring statu")
    assert zoe.sees("Vouliez-vous dire `/mentoring statut`\u202f?")
    await zoe.types("/mentoring rejoidnre")
    assert zoe.sees("Vouliez-vous dire `/mentoring rejoindre`\u202f?")
    ann = harness.person("Ann")
    await ann.types("/mentoring rejoidnre")  # a French word's typo, for an English reader
    assert ann.sees("Did you mean `/mentoring join`?")


async def test_free_text_in_a_dm_points_to_help(harness: Harness) -> None:
    ann = harness.person("Ann")
    await ann.says("hello there")
    assert ann.sees("Type `help`")
    await ann.says("status")  # a known command word typed as plain text still works
    assert ann.sees("Your mentoring")


async def test_status_pause_and_resume(harness: Harness, programme: Programme) -> None:
    bea = harness.person("Bea")
    await bea.types("/mentoring status")
    assert bea.sees("not enrolled in any programme")
    await bea.types("/mentoring pause")
    assert bea.sees("not enrolled")
    await enrol(bea)
    await bea.types("/mentoring status")
    assert bea.sees("Reverse mentoring") and bea.sees("Role: mentor") and bea.sees("active")
    assert bea.sees("don't have a match yet")
    await bea.types("/mentoring pause")
    assert bea.sees("Paused in Reverse mentoring")
    await bea.types("/mentoring pause")
    assert bea.sees("already paused")
    [e] = await rows(harness, Enrolment)
    assert e.status == "paused"
    await bea.types("/mentoring resume")
    assert bea.sees("Welcome back")
    await bea.types("/mentoring resume Unknown programme")
    assert bea.sees("not enrolled in that programme")
    [e] = await rows(harness, Enrolment)
    assert e.status == "active"


async def test_status_shows_my_match(harness: Harness, programme: Programme) -> None:
    mia, leo = harness.person("Mia"), harness.person("Leo")
    await enrol(mia, "mentor")
    await enrol(leo, "mentee")
    people = {p.display_name: p for p in await rows(harness, Person)}
    async with harness.engine.db.session() as session:
        session.add(
            Pair(
                programme_id=programme.id or 0,
                mentor_id=people["Mia"].id,
                mentee_id=people["Leo"].id,
                status="active",
            )
        )
    await mia.types("status")
    assert mia.sees("Your match: Leo (active)")


async def test_french_speakers_get_french_everywhere(
    harness: Harness, programme: Programme
) -> None:
    zoe = harness.person("Zoé", locale="fr-FR")
    await enrol(zoe, "mentee")
    await zoe.types("statut")
    assert zoe.sees("Votre mentorat") and zoe.sees("mentoré·e")
    await zoe.types("pause")
    assert zoe.sees("Vous êtes en pause dans le programme Reverse mentoring")
    await zoe.types("reprendre")
    assert zoe.sees("Bon retour")
    await zoe.types("donnees")
    assert zoe.sees("Tout ce qui est conservé à votre sujet")
    await zoe.types("quitter")
    assert zoe.sees("Voulez-vous quitter le mentorat")


async def test_language_choice_sticks_over_the_platform_locale(harness: Harness) -> None:
    sam = harness.person("Sam", locale="en-US")
    await sam.types("/mentoring language")
    assert sam.sees("Which language")
    await sam.clicks("français")
    assert sam.sees("je vous parlerai désormais en français")
    await sam.types("/mentoring help")  # the platform still says en-US
    assert sam.sees("ce que je sais faire")
    await sam.types("/mentoring language klingon")
    assert sam.sees("Je ne parle pas encore `klingon`")
    await sam.types("/mentoring language en")
    assert sam.sees("I'll speak English with you")


async def test_leave_erases_my_data_after_confirmation(
    harness: Harness, programme: Programme
) -> None:
    kim, lou = harness.person("Kim"), harness.person("Lou")
    await enrol(kim, "mentor")
    await enrol(lou, "mentee")
    people = {p.display_name: p for p in await rows(harness, Person)}
    async with harness.engine.db.session() as session:
        session.add(
            Pair(
                programme_id=programme.id or 0,
                mentor_id=people["Kim"].id,
                mentee_id=people["Lou"].id,
                status="active",
            )
        )
    await kim.types("/mentoring leave")
    assert kim.sees("cannot be undone")
    await kim.clicks("No, keep everything")
    assert kim.sees("still in the programme")
    assert len(await rows(harness, Enrolment)) == 2
    await kim.types("/mentoring leave")
    wakes: list[bool] = []
    harness.engine.on_outbox = lambda: wakes.append(True)
    await kim.clicks("Yes, erase my data")
    assert wakes == [True]  # the outbox worker is woken at once
    assert kim.sees("your data has been erased")
    names = {p.display_name for p in await rows(harness, Person)}
    assert "Kim" not in names
    [left] = await rows(harness, Enrolment)
    assert left.person_id == people["Lou"].id
    [pair] = await rows(harness, Pair)
    assert (pair.status, pair.mentor_id, pair.end_reason) == ("ended", None, "left")
    # Lou is told neutrally, through the outbox.
    from storage.tables import OutboxMessage

    [note] = await rows(harness, OutboxMessage)
    assert note.target["user_id"] == "ULOU"
    assert note.person_id == people["Lou"].id
    assert "partner has left" in str(note.payload)
    # An old confirmation button clicked again finds nothing to erase.
    await kim.clicks("Yes, erase my data")
    assert kim.sees("nothing stored about you")


async def test_mydata_shows_everything_stored(harness: Harness, programme: Programme) -> None:
    ida = harness.person("Ida", timezone="America/New_York")
    await enrol(ida)
    await ida.types("/mentoring mydata")
    for fragment in (
        "Ida",
        "America/New_York",
        "Share how my generation uses AI.",
        "Sales",
        "anonymous",
    ):
        assert ida.sees(fragment)


async def test_admins_manage_programmes(harness: Harness) -> None:
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin programme list")
    assert admin.sees("no programmes yet")
    await admin.types("/mentoring admin programme create")
    assert admin.form is not None and admin.form.title == "New programme"
    await admin.submits(
        name="Women in Tech",
        topics="AI, Leadership",
        cadence="7",
        duration="90",
        capacity="2",
        gap="2",
        kind="reverse",
    )
    assert admin.sees("Programme *Women in Tech* saved")
    await admin.types(
        '/mentoring admin programme create name="Classic" kind=classic '
        'topics="Finance,Strategy" gap=1'
    )
    assert admin.sees("Programme *Classic* saved")
    await admin.types("/mentoring admin programme create name=Classic")
    assert admin.sees("Another programme already has this name")
    await admin.types("/mentoring admin programme create colour=blue")
    assert admin.sees("I don't understand: colour=blue")
    await admin.types("/mentoring admin programme edit Classic cadence=400")
    assert admin.sees("`cadence`: Please enter a number from 1 to 90.")
    await admin.types("/mentoring admin programme edit Classic cadence=21")
    assert admin.sees("saved")
    await admin.types("/mentoring admin programme edit")
    assert admin.sees("Which programme?")
    await admin.types("/mentoring admin programme edit Women in Tech")
    assert admin.form is not None and admin.form.title == "Edit programme"
    await admin.submits(topics="")
    assert admin.last.errors == {"topics": "Please answer this question."}
    await admin.types("/mentoring admin programme list")
    assert admin.sees("#1 Women in Tech") and admin.sees("0 mentors, 0 mentees")
    await admin.types("/mentoring admin programme close Classic")
    assert admin.sees("*Classic* is closed")
    await admin.clicks("Undo: reopen")
    assert admin.sees("*Classic* is open again")
    programmes = {p.name: p for p in await rows(harness, Programme)}
    assert programmes["Classic"].cadence_days == 21
    assert programmes["Classic"].kind == "classic"
    assert programmes["Classic"].status == "open"
    assert programmes["Women in Tech"].topics == ["AI", "Leadership"]


async def test_admins_set_a_matching_schedule_and_priority_tracks(harness: Harness) -> None:
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin programme create")
    assert admin.sees("Matching schedule") and admin.sees("Priority tracks")
    optional = {f.name for f in admin.form.fields if not f.required} if admin.form else set()
    assert {"schedule", "tracks"} <= optional  # each platform marks them optional, once
    common = {"name": "Leaders", "topics": "AI", "kind": "reverse"}
    await admin.submits(**common, schedule="every fortnight", tracks="")
    assert admin.last.errors is not None
    assert "I can't read `every fortnight` as a schedule" in admin.last.errors["schedule"]
    await admin.submits(**common, schedule="0 9 * * mon", tracks="Women in leadership, , Early")
    assert admin.sees("Programme *Leaders* saved")
    [saved] = await rows(harness, Programme)
    assert saved.match_schedule == "0 9 * * mon"
    assert saved.priority_tracks == ["Women in leadership", "Early"]
    await admin.types("/mentoring admin programme list")
    assert admin.sees("Matching rounds: 0 9 * * mon")
    assert admin.sees("Priority tracks: Women in leadership, Early")
    await admin.types('/mentoring admin programme edit Leaders schedule="every 2 weeks" tracks=')
    assert admin.sees("saved")
    [saved] = await rows(harness, Programme)
    assert (saved.match_schedule, saved.priority_tracks) == ("every 2 weeks", [])
    await admin.types("/mentoring admin programme edit Leaders schedule=")
    [saved] = await rows(harness, Programme)
    assert saved.match_schedule is None  # rounds only when an admin starts them
    await admin.types("/mentoring admin programme list")
    assert admin.sees("Matching rounds: when an admin starts them")
    fr = harness.person("Admine", user_id=ADMIN_ID, locale="fr-FR")
    await fr.types("/mentoring admin programme edit Leaders calendrier=bientôt")
    assert fr.sees("Je ne sais pas lire `bientôt` comme un calendrier")


async def test_admins_name_topics_and_tracks_in_each_language(harness: Harness) -> None:
    admin = harness.person("Admin", user_id=ADMIN_ID)
    await admin.types("/mentoring admin programme create")
    fields = {f.name for f in admin.form.fields} if admin.form else set()
    assert {"topics_fr", "topics_en", "tracks_fr", "tracks_en"} <= fields
    common = {"name": "Leaders", "kind": "reverse", "topics": "AI, Social media"}
    await admin.submits(**common, topics_fr="IA")  # one label for two topics
    assert "2 values" in admin.last.errors["topics_fr"]
    await admin.submits(**common, topics_fr="IA, Réseaux sociaux", tracks="Women in leadership")
    assert admin.sees("Programme *Leaders* saved")
    [saved] = await rows(harness, Programme)
    assert saved.labels == {"fr": {"AI": "IA", "Social media": "Réseaux sociaux"}}
    fr = harness.person("Admine", user_id=ADMIN_ID, locale="fr-FR")
    await fr.types("/mentoring admin programme list")
    assert fr.sees("Sujets\u00a0: IA, Réseaux sociaux")
    await fr.types("/mentoring admin programme edit Leaders parcours_fr=Femmes\\ dirigeantes")
    await fr.types('/mentoring admin programme edit Leaders topics="AI, Hybrid work"')
    [saved] = await rows(harness, Programme)  # the label of the topic that stays is kept
    assert saved.labels["fr"] == {"AI": "IA", "Women in leadership": "Femmes dirigeantes"}
    await fr.types("/mentoring admin programme list")
    assert fr.sees("Sujets\u00a0: IA, Hybrid work")
    assert fr.sees("Parcours prioritaires\u00a0: Femmes dirigeantes")


async def test_only_admins_run_admin_commands(harness: Harness, programme: Programme) -> None:
    eve = harness.person("Eve", locale="fr-FR")
    await eve.types("/mentoring admin programme create name=Hack")
    assert eve.sees("Cette action est réservée aux administrateurs")
    await eve.types("/mentoring admin")
    assert eve.sees("Cette action est réservée aux administrateurs")
    assert len(await rows(harness, Programme)) == 1


async def test_closed_programmes_cannot_be_joined(harness: Harness, programme: Programme) -> None:
    admin = harness.person("Admin", user_id=ADMIN_ID)
    ned = harness.person("Ned")
    await ned.types("join")
    await ned.submits(role="mentor")
    await ned.submits(**DETAILS)
    await admin.types("/mentoring admin programme close 1")
    await ned.clicks("Confirm")
    assert ned.sees("has just closed")
    assert await rows(harness, Enrolment) == []
    await ned.types("join")
    assert ned.sees("no mentoring programme open")


async def test_welcome_and_home(harness: Harness, programme: Programme) -> None:
    una = harness.person("Una")
    await una.joins_workspace()
    assert una.sees("Hello Una!")
    await una.clicks("Join a programme")
    assert una.form is not None
    turn = await una.opens_home()
    assert isinstance(turn.intents[0], PublishHome)
    assert una.sees("Your mentoring at a glance")


async def test_a_redelivered_event_is_answered_once(harness: Harness) -> None:
    ann = harness.person("Ann")
    first = await ann.types("/mentoring help", event_id="Ev1")
    again = await ann.types("/mentoring help", event_id="Ev1")
    assert first.intents and again.intents == []


async def test_two_first_events_of_a_new_person_at_once_both_get_answers(
    harness: Harness, programme: Programme
) -> None:
    import asyncio

    ann = harness.person("Ann")
    first, second = await asyncio.gather(
        ann.types("/mentoring join", event_id="A"), ann.types("/mentoring status", event_id="B")
    )
    assert "went wrong" not in turn_text(first) + turn_text(second)
    assert [p.display_name for p in await rows(harness, Person)] == ["Ann"]


def turn_text(turn: Any) -> str:
    return str(turn.text)


async def test_read_only_commands_do_not_write(harness: Harness, programme: Programme) -> None:
    ida = harness.person("Ida")
    await enrol(ida)
    async with harness.engine.db.session() as session:
        [before] = (await session.exec(select(Person))).all()
    for command in ("help", "status", "mydata", "stauts", "hello"):
        await ida.types(command)
        assert not ida.sees("went wrong")
    async with harness.engine.db.session() as session:
        [after] = (await session.exec(select(Person))).all()
    assert after == before
    # A new display name from the platform is still stored, even on a read-only command.
    ida.name = "Ida B."
    await ida.types("status")
    async with harness.engine.db.session() as session:
        [renamed] = (await session.exec(select(Person))).all()
    assert renamed.display_name == "Ida B."


async def test_a_failure_rolls_back_and_says_so_politely(
    harness: Harness, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.enrolment import membership

    async def broken(ctx: Any) -> list[Any]:
        raise RuntimeError("boom")

    ann = harness.person("Ann", locale="fr-FR")
    spec = harness.engine.routes.commands[("status",)]
    monkeypatch.setitem(harness.engine.routes.commands, ("status",), type(spec)(spec.path, broken))
    [reply] = await harness.engine.handle(
        Command(Actor(ann.user, "Ann", "fr-FR"), ann.dm, "status")
    )
    assert isinstance(reply, Reply)
    assert "rien n'a été enregistré" in reply.message.text
    assert await rows(harness, Person) == []  # the person upsert was rolled back too
    assert membership is not None


async def test_managers_are_known_to_the_engine(engine: Engine) -> None:
    admin, manager = (UserRef(Platform.LOCAL, "T1", uid) for uid in (ADMIN_ID, MANAGER_ID))
    assert engine.is_admin(admin) and not engine.is_admin(manager)
    assert engine.is_manager(manager) and not engine.is_manager(admin)


async def test_a_read_only_command_that_writes_is_stopped_and_nothing_is_saved(
    harness: Harness, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = harness.person("Ann")
    await ann.types("status")  # Ann is known: the next status goes the read-only way

    async def sneaky(ctx: Any) -> list[Any]:
        ctx.person.display_name = "changed"
        return []

    spec = harness.engine.routes.commands[("status",)]
    monkeypatch.setitem(
        harness.engine.routes.commands,
        ("status",),
        type(spec)(spec.path, sneaky, read_only=True),
    )
    await ann.types("status")
    assert ann.sees("nothing was saved")
    [person] = await rows(harness, Person)
    assert person.display_name == "Ann"
