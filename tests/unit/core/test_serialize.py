"""Neutral messages survive the trip to JSON and back (the outbox stores them so)."""

from __future__ import annotations

import json

from bot.core.model import (
    Actions,
    Button,
    Choice,
    ConversationRef,
    Divider,
    Fields,
    Form,
    FormField,
    Heading,
    Image,
    Message,
    Note,
    Option,
    Platform,
    Text,
    UserRef,
)
from bot.core.plaintext import form_text, message_text
from bot.core.serialize import from_data, to_data

MESSAGE = Message(
    (
        Heading("Hello"),
        Text("*Welcome* to _mentoring_"),
        Fields((("Role", "mentor"), ("Topics", "AI"))),
        Divider(),
        Image("https://example.com/c.png", "Chart: 3 meetings"),
        Actions((Button("Join", "quick.join", "", "primary"), Button("Help", "quick.help"))),
        Choice("Pick", "pick", (Option("a", "A"), Option("b", "B"))),
        Note("small print"),
    ),
    text="Hello",
)


def test_messages_round_trip_through_json() -> None:
    assert from_data(json.loads(json.dumps(to_data(MESSAGE)))) == MESSAGE


def test_references_round_trip_with_their_enums() -> None:
    user = UserRef(Platform.TEAMS, "tenant", "29:abc")
    conv = ConversationRef(Platform.SLACK, "T1", "C1", "channel", "123.4")
    assert from_data(to_data(user)) == user
    assert from_data(to_data(conv)) == conv


def test_every_message_has_a_plain_text_fallback() -> None:
    text = message_text(MESSAGE)
    for fragment in ("*Hello*", "Role: mentor", "[Join] | [Help]", "Chart: 3 meetings", "A, B"):
        assert fragment in text


def test_forms_have_a_plain_text_fallback() -> None:
    form = Form(
        "f",
        "Join",
        (FormField("role", "Your role", "radio", (Option("mentor", "Mentor"),)),),
        "Next",
        "Cancel",
    )
    assert form_text(form) == "*Join*\n- Your role (Mentor)"
