"""The pure translator, on recorded Teams activities (tests/adapters/teams/payloads/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.translate import (
    BadSubmission,
    BotAdded,
    FormCancelled,
    Ignored,
    Incoming,
    InstallationChanged,
    MalformedActivity,
    Translated,
    read_activity,
    strip_bot_mention,
    translate,
)
from bot.core.model import Action, Command, FormSubmission, MessageRef, PlainMessage, Platform

PAYLOADS = Path(__file__).parent / "payloads"
BOT = "28:9f2d1c7e-5b3a-4c8e-9d61-2a7f4e0b8c15"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def meaning(raw: dict[str, Any], known: tuple[str, ...] = ("join", "help", "status")) -> Translated:
    return translate(raw, read_activity(raw), lambda word: word.lower() in known)


def test_a_command_typed_in_the_personal_chat() -> None:
    raw = payload("personal_message")

    result = meaning(raw)

    assert isinstance(result, Incoming) and isinstance(result.event, Command)
    event = result.event
    assert event.text == "join" and event.event_id == "1764063000001"
    assert event.conversation.kind == "dm" and event.conversation.platform is Platform.TEAMS
    assert event.conversation.service_url == "https://smba.trafficmanager.net/emea/"
    assert event.actor.user.workspace == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert event.actor.user.user_id == raw["from"]["id"]
    assert (event.actor.locale, event.actor.timezone) == ("fr-FR", "Europe/Paris")
    assert event.actor.display_name == "Ada Lovelace"


@pytest.mark.parametrize("text", ["mentoring join", "/mentoring join", "Mentoring   join"])
def test_a_leading_mentoring_keeps_it_a_command(text: str) -> None:
    raw = {**payload("personal_message"), "text": text}

    result = meaning(raw)

    assert isinstance(result, Incoming) and isinstance(result.event, Command)
    assert result.event.text.split()[-1] == "join"


def test_free_text_in_the_personal_chat_is_a_plain_message() -> None:
    result = meaning({**payload("personal_message"), "text": "good morning!"})

    assert isinstance(result, Incoming) and isinstance(result.event, PlainMessage)


def test_a_channel_mention_is_a_command_without_the_mention() -> None:
    result = meaning(payload("channel_mention"))

    assert isinstance(result, Incoming) and isinstance(result.event, Command)
    event = result.event
    assert event.text == "stats"
    assert event.conversation.kind == "channel"
    assert event.conversation.thread_id == "1764063000002"
    assert event.conversation.channel_id.endswith(";messageid=1764063000002")


def test_a_group_chat_mention() -> None:
    result = meaning(payload("group_chat_mention"))

    assert isinstance(result, Incoming) and isinstance(result.event, Command)
    assert result.event.text == "help" and result.event.conversation.kind == "group"


def test_only_the_bots_mention_is_removed() -> None:
    entities = [
        {"type": "mention", "text": "<at>Mentoring</at>", "mentioned": {"id": BOT}},
        {"type": "mention", "text": "<at>Grace</at>", "mentioned": {"id": "29:1grace"}},
    ]

    text = strip_bot_mention("<at>Mentoring</at> admin\xa0pair <at>Grace</at>", entities, BOT)

    assert text == "admin pair Grace"


def test_a_form_card_submission() -> None:
    raw = payload("card_submit_form")

    result = meaning(raw)

    assert isinstance(result, Incoming) and isinstance(result.event, FormSubmission)
    event = result.event
    assert (event.form_id, event.state) == ("enrol.details", "4:2")
    assert event.values["topics"] == ["AI", "Hybrid work"]
    assert event.values["languages"] == ["en", "fr"]
    assert event.values["goals"] == "Learn how teams use AI"
    assert event.values["consent"] == "no"
    assert "_mentoring" not in event.values


def test_choices_sent_as_indices_come_back_as_their_values() -> None:
    raw = payload("card_submit_form")
    meta = raw["value"]["_mentoring"]
    meta["maps"] = {"topics": ["AI, data", "Hybrid work", "Gen Z"]}
    raw["value"]["topics"] = "0,2,9"

    result = meaning(raw)

    assert isinstance(result, Incoming) and isinstance(result.event, FormSubmission)
    assert result.event.values["topics"] == ["AI, data", "Gen Z", "?"]  # "?" is never offered


def test_numbers_and_booleans_from_other_clients_become_strings() -> None:
    raw = payload("card_submit_form")
    raw["value"].update(capacity=2, consent=True, seniority=3.0)

    result = meaning(raw)

    assert isinstance(result, Incoming) and isinstance(result.event, FormSubmission)
    values = result.event.values
    assert (values["capacity"], values["consent"], values["seniority"]) == ("2", "yes", "3")


def test_a_button_press_carries_the_card_it_was_on() -> None:
    raw = payload("card_submit_action")

    result = meaning(raw)

    assert isinstance(result, Incoming) and isinstance(result.event, Action)
    event = result.event
    assert (event.action_id, event.value) == ("enrol.confirm", "4:3")
    assert event.message == MessageRef(event.conversation, "1764062995000")


def test_a_choice_in_a_message() -> None:
    raw = payload("card_submit_action")
    raw["value"] = {
        "_mentoring": {"type": "choice", "action": "admin.pick"},
        "_choice.admin.pick": "7",
    }

    result = meaning(raw)

    assert isinstance(result, Incoming) and isinstance(result.event, Action)
    assert (result.event.action_id, result.event.value) == ("admin.pick", "7")


def test_cancel() -> None:
    raw = payload("card_submit_action")
    raw["value"] = {"_mentoring": {"type": "cancel", "form": "enrol.details"}}

    assert meaning(raw) == FormCancelled("enrol.details")


@pytest.mark.parametrize(
    "value",
    [
        {"role": "mentor"},
        {"_mentoring": "form"},
        {"_mentoring": {"type": "delete"}},
        {"_mentoring": {"type": "action", "action": "x" * 300}},
        {"_mentoring": {"type": "action", "action": "enrol.confirm; drop table"}},
        {"_mentoring": {"type": "action", "action": "enrol.confirm", "value": {"a": 1}}},
        {"_mentoring": {"type": "form", "form": "enrol.start", "state": ["4:1"]}},
        {"_mentoring": {"type": "choice", "action": "admin.pick"}},
    ],
    ids=[
        "no-meta",
        "meta-string",
        "bad-type",
        "long-id",
        "bad-id",
        "bad-value",
        "bad-state",
        "no-choice",
    ],
)
def test_missing_or_tampered_routing_data_is_a_bad_submission(value: dict[str, Any]) -> None:
    raw = {**payload("card_submit_action"), "value": value}

    assert isinstance(meaning(raw), BadSubmission)


def test_installs_and_removals() -> None:
    assert meaning(payload("conversation_update_bot_added")) == BotAdded()
    assert meaning(payload("conversation_update_team_install")) == BotAdded()
    assert meaning(payload("installation_update_add")) == InstallationChanged(added=True)
    assert meaning(payload("installation_update_remove")) == InstallationChanged(added=False)
    upgrade = {**payload("installation_update_remove"), "action": "remove-upgrade"}
    assert meaning(upgrade) == InstallationChanged(added=True)


def test_someone_else_joining_a_team_is_ignored() -> None:
    raw = payload("conversation_update_team_install")
    raw["membersAdded"] = [{"id": "29:1someone"}]

    assert isinstance(meaning(raw), Ignored)


def test_locale_and_time_zone_fall_back_and_are_checked() -> None:
    raw = payload("personal_message")
    raw.pop("locale")
    raw["entities"][0].update(locale="en-GB", timezone="Mars/Olympus_Mons")
    raw["localTimezone"] = "America/New_York"

    actor = read_activity(raw).actor

    assert (actor.locale, actor.timezone) == ("en-GB", "America/New_York")


def test_an_unknown_locale_or_time_zone_is_dropped() -> None:
    raw = payload("personal_message")
    raw.update(locale="<script>", localTimezone="../../etc/passwd", entities=[])

    actor = read_activity(raw).actor

    assert (actor.locale, actor.timezone) == (None, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("serviceUrl", None),
        ("serviceUrl", "ftp://example.com"),
        ("from", None),
        ("from", {"name": "no id"}),
        ("conversation", {"conversationType": "personal"}),
        ("id", 42),
        ("entities", "not a list"),
    ],
)
def test_a_missing_or_wrong_part_is_malformed(field: str, value: object) -> None:
    raw = payload("personal_message")
    if value is None:
        raw.pop(field)
    else:
        raw[field] = value

    with pytest.raises(MalformedActivity):
        meaning(raw)


def test_the_stored_reference_has_what_a_proactive_message_needs() -> None:
    info = read_activity(payload("personal_message"))

    reference = info.reference

    assert reference["serviceUrl"] == "https://smba.trafficmanager.net/emea/"
    assert reference["bot"] == {"id": BOT}
    assert reference["conversation"]["conversationType"] == "personal"
    assert reference["tenantId"] == info.tenant_id
    assert set(reference["user"]) == {"id", "name", "aadObjectId"}
