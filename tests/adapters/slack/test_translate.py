"""Recorded Slack payloads → neutral events (the pure translator, no I/O)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import translate
from adapters.slack.translate import FormMetadata, MalformedPayload, Profile
from bot.core.model import (
    Action,
    Command,
    FormSubmission,
    HomeOpened,
    MemberJoined,
    MessageRef,
    PlainMessage,
    Platform,
    UserRef,
)

PAYLOADS = Path(__file__).parent / "payloads"
ALICE = Profile("Alice Martin", "fr-FR", "Europe/Paris")


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def test_a_slash_command_becomes_a_command_deduplicated_by_its_trigger() -> None:
    body = payload("slash_command")
    origin = translate.command_origin(body)
    event = translate.command_event(body, origin, ALICE)
    assert isinstance(event, Command)
    assert event.text == 'join "Reverse mentoring"'
    assert event.actor.user == UserRef(Platform.SLACK, "T0001", "U0001")
    assert (event.actor.display_name, event.actor.locale) == ("Alice Martin", "fr-FR")
    assert event.actor.timezone == "Europe/Paris"
    assert (event.conversation.channel_id, event.conversation.kind) == ("C0001", "channel")
    assert event.event_id == f"trigger:{body['trigger_id']}"
    assert origin.response_url == body["response_url"]


def test_a_command_typed_in_a_dm_is_private_and_falls_back_to_the_slack_user_name() -> None:
    body = payload("slash_command_dm")
    origin = translate.command_origin(body)
    event = translate.command_event(body, origin, Profile())
    assert event.conversation.kind == "dm"
    assert event.actor.display_name == "alice"
    assert event.actor.locale is None  # unknown: the engine keeps what it stored


def test_a_click_names_its_neutral_action_and_the_message_it_came_from() -> None:
    body = payload("block_actions_button")
    origin = translate.action_origin(body)
    event = translate.action_event(body, origin, ALICE)
    assert isinstance(event, Action)
    assert event.action_id == "enrol.edit_programme"  # the uniqueness suffix is dropped
    assert event.value == "7"
    assert event.message == MessageRef(event.conversation, "1700000100.000200")
    assert origin.bot_dm and origin.channel_kind == "dm"
    assert origin.response_url == body["response_url"]


def test_a_choice_in_the_app_home_carries_the_selected_value() -> None:
    body = payload("block_actions_select_home")
    origin = translate.action_origin(body)
    event = translate.action_event(body, origin, ALICE)
    assert (event.action_id, event.value) == ("language.pick", "fr")
    assert (origin.view_type, origin.view_id) == ("home", "V0HOME")
    assert event.message is None
    # No channel: the answer goes to the person's DM, which Slack reaches by user id.
    assert (event.conversation.channel_id, event.conversation.kind) == ("U0001", "dm")


def test_a_submitted_modal_gives_every_value_in_field_names() -> None:
    body = payload("view_submission")
    origin = translate.view_origin(body)
    event = translate.submission_event(body, origin, ALICE)
    assert isinstance(event, FormSubmission)
    assert event.form_id == "enrol.details"
    assert event.state == "12:3"
    assert dict(event.values) == {
        "topics": ["AI", "Social media"],
        "goals": "Help leaders understand my generation.",
        "seniority": "1",
        "department": "",
        "frequency": "biweekly",
        "capacity": "2",
        "consent": ["yes"],
        "languages": [],
    }
    assert (origin.channel_id, origin.view_id) == ("C0001", "V0MODAL")
    assert origin.response_url is not None and origin.response_url.startswith("https://hooks")


def test_a_mention_is_a_command_in_its_channel_thread() -> None:
    request = translate.event_request(payload("event_app_mention"), "U0BOT")
    assert request is not None
    event = translate.event_from_request(request, ALICE)
    assert isinstance(event, Command)
    assert event.text == "stats month"
    assert (event.conversation.channel_id, event.conversation.thread_id) == (
        "C0001",
        "1700000300.000050",
    )
    assert event.event_id == "Ev0MENTION01"


def test_a_dm_is_plain_text_unless_it_starts_with_mentoring() -> None:
    body = payload("event_message_im")
    request = translate.event_request(body, "U0BOT")
    assert request is not None and request.origin.bot_dm
    assert isinstance(translate.event_from_request(request, ALICE), PlainMessage)
    body["event"]["text"] = "/mentoring status"
    request = translate.event_request(body, "U0BOT")
    assert request is not None
    command = translate.event_from_request(request, ALICE)
    assert isinstance(command, Command) and command.text == "/mentoring status"


@pytest.mark.parametrize(
    "change",
    [
        {"bot_id": "B0OTHER"},
        {"user": "U0BOT"},
        {"subtype": "message_changed"},
        {"channel_type": "channel"},
    ],
)
def test_bots_edits_and_channel_chatter_are_ignored(change: dict[str, str]) -> None:
    body = payload("event_message_im")
    body["event"].update(change)
    assert translate.event_request(body, "U0BOT") is None


def test_another_bots_message_is_ignored() -> None:
    assert translate.event_request(payload("event_bot_message"), "U0BOT") is None


def test_opening_the_home_tab_and_the_bot_joining_a_channel() -> None:
    request = translate.event_request(payload("event_app_home_opened"), "U0BOT")
    assert request is not None
    assert isinstance(translate.event_from_request(request, ALICE), HomeOpened)
    joined = translate.event_request(payload("event_member_joined_bot"), "U0BOT")
    assert joined is not None
    event = translate.event_from_request(joined, Profile())
    assert isinstance(event, MemberJoined)
    assert event.actor.user.user_id == "U0002"  # the bot was invited: greet who invited it
    assert event.conversation.channel_id == "C0002"


@pytest.mark.parametrize(
    ("name", "breaks"),
    [
        ("slash_command", lambda b: b.pop("user_id")),
        ("block_actions_button", lambda b: b.pop("actions")),
        ("block_actions_button", lambda b: b.update(user={"team_id": "T0001"})),
        ("view_submission", lambda b: b["view"].pop("callback_id")),
        ("event_app_mention", lambda b: b["event"].pop("type")),
    ],
)
def test_payloads_missing_what_slack_always_sends_are_malformed(name: str, breaks: Any) -> None:
    body = payload(name)
    breaks(body)
    with pytest.raises(MalformedPayload):
        translate_any(body)


def translate_any(body: dict[str, Any]) -> object:
    """Translate a payload of any kind, as the glue does."""
    kind = translate.payload_kind(body)
    if kind == "command":
        return translate.command_event(body, translate.command_origin(body), ALICE)
    if kind == "block_actions":
        return translate.action_event(body, translate.action_origin(body), ALICE)
    if kind == "view_submission":
        return translate.submission_event(body, translate.view_origin(body), ALICE)
    return translate.event_request(body, "U0BOT")


def test_metadata_round_trips_and_drops_the_response_url_when_space_runs_out() -> None:
    meta = FormMetadata("4:2", "C0001", "channel", "https://hooks.slack.com/x")
    assert translate.decode_metadata(translate.encode_metadata(meta)) == meta
    long_url = FormMetadata("4:2", "C0001", "channel", "https://hooks.slack.com/" + "x" * 3000)
    assert translate.decode_metadata(translate.encode_metadata(long_url)).response_url is None
    with pytest.raises(ValueError, match="too long"):
        translate.encode_metadata(FormMetadata("s" * 3001))
    assert translate.decode_metadata("legacy-state") == FormMetadata("legacy-state")


def _click(at: float) -> dict[str, Any]:
    body = payload("block_actions_button")
    body["actions"][0]["action_ts"] = f"{at:.6f}"
    return body


@pytest.mark.parametrize("start", [1_700_000_000.0, 1_700_000_000.9, 1_700_000_001.5])
def test_two_clicks_a_moment_apart_share_a_key_but_clicks_seconds_apart_do_not(
    start: float,
) -> None:
    first_own, first_neighbour = translate.click_keys(_click(start))
    second_own, _ = translate.click_keys(_click(start + 0.4))
    assert second_own in (first_own, first_neighbour)
    later_own, _ = translate.click_keys(_click(start + 2 * translate.CLICK_WINDOW_S + 0.1))
    assert later_own not in (first_own, first_neighbour)
