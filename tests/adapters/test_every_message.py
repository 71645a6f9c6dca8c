"""Every message and form of the bot, in English and in French, as Slack and Teams get them.

A whole programme is played on a fake clock, by people who read English and people
who read French: enrolment, help, status, data, feedback, pause, the admin's
programme form and matching round, introductions, check-ins and nudges, the stats
with their chart, the wrap-up. Everything the bot said is then rendered

* for Slack, and checked against Block Kit's limits (slack_sdk's models: 50 blocks a
  message, 100 a modal or home tab, 3,000 characters a section, 75 an option…);
* for Teams, and checked against the official Adaptive Cards 1.5 schema (vendored in
  ``testkit/schema``) and Teams' own limits (28 KB, mentions, input ids);
* and what a French reader gets is checked against French typography.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from adapters.settings import Settings
from adapters.slack.blocks import errors_response, home_view, message_payloads, modal_view
from adapters.teams.cards import form_activity, message_activity
from bot.core.i18n import Translator, translator
from bot.core.identity import roster_of
from bot.core.model import (
    Form,
    FormErrors,
    Message,
    OpenForm,
    PostMessage,
    PublishHome,
    Reply,
    UpdateMessage,
)
from bot.core.plaintext import form_text, message_text
from storage.db import Database
from storage.programmes import DEFAULT_LABELS
from storage.tables import Programme
from testkit.adaptive_cards import assert_valid_activity
from tests.adapters.slack.helpers import assert_valid_message, assert_valid_view
from tests.conftest import ADMIN_ID, MANAGER_ID
from tests.harness import Person
from tests.scenarios.test_checkins import Running, day, start_programme
from tests.typography import french_problems

NOTE = "_cut_"


@dataclass(frozen=True)
class Said:
    """One thing the bot showed someone, in their language."""

    lang: str
    message: Message | None = None
    form: Form | None = None
    errors: FormErrors | None = None
    home: bool = False

    @property
    def text(self) -> str:
        if self.message is not None:
            return message_text(self.message)
        assert self.form is not None
        return form_text(self.form)


def _lang(person: Person) -> str:
    return translator(person.locale).lang


def _from_turns(person: Person, lang: str) -> Iterator[Said]:
    for turn in person.turns:
        for intent in turn.intents:
            match intent:
                case Reply(message=m) | PostMessage(message=m) | UpdateMessage(message=m):
                    yield Said(lang, message=m)
                case PublishHome(message=m):
                    yield Said(lang, message=m, home=True)
                case OpenForm(form=f):
                    yield Said(lang, form=f)
                case FormErrors(form=f):
                    yield Said(lang, form=f, errors=intent)


async def _play(world: Running) -> list[Said]:
    """A whole programme, in both languages; everything the bot said."""
    harness = world.harness
    alice, bob, admin = world.alice, world.bob, world.admin  # Bob reads French
    async with world.db.session() as session:
        programme = await session.get(Programme, 1)
        assert programme is not None
        programme.topics = ["AI", "Social media", "Digital tools"]
        programme.labels = DEFAULT_LABELS
        session.add(programme)
    admine = harness.person("Admine", user_id="UADMIN2", locale="fr-FR", timezone="UTC")
    world.engine.admins = world.engine.admins | roster_of([admine.user])
    maria = harness.person("Maria", user_id=MANAGER_ID, locale="en-GB", timezone="UTC")
    julien = harness.person("Julien", user_id="UMANAGER2", locale="fr-FR", timezone="UTC")
    world.engine.managers = world.engine.managers | roster_of([julien.user])
    carol = harness.person("Carol", locale="en-US", timezone="UTC")
    denis = harness.person("Denis", locale="fr-FR", timezone="UTC")
    elodie = harness.person("Élodie", locale="fr-FR", timezone="UTC")
    channel = harness.channel()

    # Welcome, home, then the whole enrolment: Denis mentors (in French), Carol learns.
    for who, role, level, department in (
        (carol, "mentee", "5", "Finance"),
        (denis, "mentor", "1", "IT"),
        (elodie, "mentee", "6", "Legal"),
    ):
        await who.joins_workspace()
        await who.opens_home()
        await who.types("/mentoring join")
        await who.submits(role=role)
        await who.submits(topics=[], goals="x" * 600)  # errors on the form
        await who.submits(
            topics=["AI", "Digital tools"],
            goals="Learn how other generations work.",
            seniority=level,
            department=department,
            languages=["en", "fr"],
            frequency="monthly",
            capacity="1",
            self_description="Women in leadership track",
            consent="yes",
        )
        await who.clicks("enrol.confirm")
        await who.types(f"/mentoring {'edit' if who is carol else 'modifier'}")
        await who.clicks("enrol.cancel") if who.form is None else None
    for who in (alice, bob, carol, denis, elodie):
        for command in ("help", "status", "mydata", "language", "feedback", "stauts", "rematch"):
            await who.types(f"/mentoring {command}")
        await who.says("bonjour" if _lang(who) == "fr" else "hello")
        await who.says("what is this?")
        await who.types("/mentoring pause")
        await who.types("/mentoring pause")
        await who.types("/mentoring resume")
        await who.types("/mentoring leave")
        await who.clicks("leave.keep") if any(
            b.action_id == "leave.keep" for b in _buttons(who)
        ) else None

    for who in (admin, admine):
        await who.types("/mentoring help")
        await who.types("/mentoring admin")
        await who.types("/mentoring admin programme create")
        await who.submits(name="", topics="")  # errors
        await who.types("/mentoring admin programme list")
        await who.types("/mentoring admin programme edit 1")
        await who.types("/mentoring admin match 1")
        await who.types("/mentoring admin pairs")
        await who.types("/mentoring admin outbox")
        await who.types("/mentoring admin stats log")
    await admin.types("/mentoring admin match 1")
    approve = [b for b in _buttons(admin) if b.action_id == "match.approve"]
    if approve:
        await admin.clicks("match.approve")

    await world.run_days(0, 15)  # introductions, first check-ins
    for who in (alice, bob):
        for delivered in world.new(who):
            if any(b.action_id.startswith("checkin.") for b in _delivered_buttons(delivered)):
                await world.click(who, delivered, "checkin.not_yet")
                break
    await world.run_days(15, 30)
    for who in (alice, bob):
        for delivered in world.new(who):
            if any(b.action_id == "checkin.met" for b in _delivered_buttons(delivered)):
                await world.click(who, delivered, "checkin.met")
                break
    await world.run_days(30, 60)  # silence, reminders, the admins told, the wrap-up

    for who in (maria, julien):
        await who.types("/mentoring stats", in_channel=channel)
        await who.types("/mentoring stats all", in_channel=channel)
        await who.types("/mentoring stats 2026-11")
        await who.types("/mentoring stats nowhere")

    people = (alice, bob, admin, admine, maria, julien, carol, denis, elodie)
    said = [s for who in people for s in _from_turns(who, _lang(who))]
    lang_of = {who.user.user_id: _lang(who) for who in people}
    for delivered in world.sender.delivered:
        first = delivered.to.split(",")[0]
        if first in lang_of:
            said.append(Said(lang_of[first], message=delivered.message))
    return said


def _buttons(who: Person) -> list:  # type: ignore[type-arg]
    from bot.core.model import Actions

    return [
        b
        for turn in who.turns[-1:]
        for m in turn.messages
        for e in m.elements
        if isinstance(e, Actions)
        for b in e.buttons
    ]


def _delivered_buttons(delivered: object) -> list:  # type: ignore[type-arg]
    from bot.core.model import Actions

    message = getattr(delivered, "message", None)
    elements = message.elements if isinstance(message, Message) else ()
    return [b for e in elements if isinstance(e, Actions) for b in e.buttons]


@pytest.fixture
async def everything(db: Database, settings: Settings) -> list[Said]:
    world = await start_programme(db, settings, bob_locale="fr-FR", duration_days=42)
    return await _play(world)


def _t(said: Said) -> Translator:
    return translator(said.lang)


def test_the_play_covers_both_languages_and_every_kind(everything: list[Said]) -> None:
    langs = {s.lang for s in everything}
    assert langs == {"en", "fr"}
    texts = "\n".join(s.text for s in everything)
    for expected in (
        "Please check your enrolment",
        "Vérifiez votre inscription",
        "Point d'étape",
        "Check-in",
        "Voici la personne que vous accompagnez",
        "Statistiques du mentorat",
        "Mentoring stats",
        "Sujets que vous souhaitez découvrir",
        "Avis anonyme",
        "Nouveau programme",
        "Binômes proposés",
        "Bonjour",
    ):
        assert expected in texts, expected
    assert sum(1 for s in everything if s.form is not None) >= 10
    assert sum(1 for s in everything if s.message is not None) >= 100


def test_every_slack_message_and_modal_is_within_block_kit_limits(everything: list[Said]) -> None:
    checked = 0
    for said in everything:
        if said.home and said.message is not None:
            assert_valid_view(home_view(said.message, NOTE))
        elif said.message is not None:
            for payload in message_payloads(said.message, NOTE):
                assert_valid_message(payload)
        elif said.form is not None:
            assert_valid_view(modal_view(said.form, "x" * 200, NOTE))
            if said.errors is not None:
                response = errors_response(said.errors)
                if response is not None:  # field errors: at most 2,000 characters each
                    assert all(len(e) <= 2000 for e in response["errors"].values())
        checked += 1
    assert checked == len(everything)


def test_nothing_has_to_be_cut_to_fit_slack(everything: list[Said]) -> None:
    """Slack's limits are met by the words themselves: no label ends in "…" in either language."""
    from adapters.slack import blocks
    from bot.core.model import Actions, Heading

    too_long: list[str] = []
    for said in everything:
        if said.form is not None:
            f = said.form
            too_long += [t for t in (f.title, f.submit_label, f.cancel_label) if len(t) > 24]
            for field in f.fields:
                too_long += [
                    o.label for o in field.options if len(o.label) > blocks.MAX_OPTION_TEXT
                ]
        if said.message is not None:
            for e in said.message.elements:
                if isinstance(e, Actions):
                    too_long += [
                        b.label for b in e.buttons if len(b.label) > blocks.MAX_BUTTON_TEXT
                    ]
                elif isinstance(e, Heading) and len(e.text) > blocks.MAX_HEADER:
                    too_long.append(e.text)
    assert not too_long, sorted(set(too_long))


def test_every_teams_card_is_valid_adaptive_card_1_5(everything: list[Said]) -> None:
    for said in everything:
        if said.message is not None:
            assert_valid_activity(message_activity(said.message, _t(said)))
        elif said.form is not None:
            errors = said.errors.errors if said.errors is not None else None
            assert_valid_activity(form_activity(said.form, _t(said), errors))


def test_what_french_readers_get_follows_french_typography(everything: list[Said]) -> None:
    problems = {
        said.text[:60]: found
        for said in everything
        if said.lang == "fr" and (found := french_problems(said.text))
    }
    assert not problems, "\n".join(f"{k!r}: {v}" for k, v in problems.items())


def test_day_helper_is_the_check_in_worlds() -> None:
    assert day(0).isoformat().startswith("2026-11-02")
    assert ADMIN_ID == "UADMIN"
