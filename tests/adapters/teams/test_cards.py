"""Neutral messages and forms as Adaptive Cards 1.5: valid, readable, small enough."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from adapters.teams.cards import (
    MAX_CARD_BYTES,
    card_bytes,
    form_activity,
    form_card,
    message_activity,
    message_card,
)
from adapters.teams.markdown import plain, to_teams
from adapters.teams.translate import Incoming, read_activity, translate
from bot.core.i18n import translator
from bot.core.model import (
    Actions,
    Button,
    Choice,
    Divider,
    Element,
    Fields,
    Form,
    FormField,
    FormSubmission,
    Heading,
    Image,
    Message,
    Note,
    Option,
    Text,
)
from testkit import teams_activities as ta
from testkit.adaptive_cards import (
    assert_valid_activity,
    assert_valid_card,
    problems,
)
from testkit.teams_world import card_actions, card_inputs

T = translator("en")
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()

EVERY_ELEMENT = Message(
    (
        Heading("Programme health"),
        Text("*12* pairs met this month.\n• one\n• two\n\nSee <https://example.com/r|the report>."),
        Fields((("Participants", "42"), ("Meeting rate", "*81%*"))),
        Divider(),
        Image(PNG, "Meetings per week: 3, 5, 4"),
        Actions(
            (
                Button("Confirm", "enrol.confirm", "4:3", "primary"),
                Button("Cancel", "enrol.cancel", "4:3", "danger"),
                Button("Open the guide", "guide", url="https://example.com/guide"),
            )
        ),
        Choice("Programme", "admin.pick", (Option("1", "Reverse 2026"), Option("2", "Classic"))),
        Note("Type `/mentoring help` for more."),
    ),
    text="Programme health",
)

EVERY_FIELD = Form(
    form_id="enrol.details",
    title="Join mentoring",
    fields=(
        FormField("department", "Department", max_length=80, placeholder="e.g. Finance"),
        FormField("goals", "Goals", "textarea", max_length=500, hint="A sentence or two"),
        FormField("seniority", "Seniority", "select", (Option("1", "Junior"), Option("2", "Lead"))),
        FormField(
            "role", "Role", "radio", (Option("mentor", "Mentor"), Option("mentee", "Mentee"))
        ),
        FormField(
            "topics",
            "Topics",
            "multiselect",
            (Option("AI, data", "AI, data"), Option("Hybrid work", "Hybrid work")),
            initial=("Hybrid work",),
        ),
        FormField("capacity", "How many mentees", "number", min_value=1, max_value=3, initial="2"),
        FormField("consent", "I agree", "checkbox", required=False, initial="yes"),
    ),
    submit_label="Next",
    cancel_label="Cancel",
    intro=(Text("A few questions."),),
    state="4:2",
)


def test_every_element_makes_a_valid_card() -> None:
    activity = message_activity(EVERY_ELEMENT, T)

    assert_valid_activity(activity)
    card = activity["attachments"][0]["content"]
    texts = json.dumps(card)
    assert "**12** pairs" in texts and "[the report](https://example.com/r)" in texts
    assert "/mentoring" not in texts and "**help**" in texts
    assert [f["title"] for f in card["body"][5]["facts"]] == ["Participants", "Meeting rate"]
    assert any(e.get("type") == "Image" and e["url"] == PNG for e in card["body"])
    styles = [a.get("style") for a in card_actions(card)]
    assert styles[:3] == ["positive", "destructive", None]
    assert "Meetings per week" in card["fallbackText"]
    assert activity["summary"] == "Programme health"


def test_a_button_carries_its_action_id_and_value() -> None:
    card = message_card(EVERY_ELEMENT, T)

    confirm = next(a for a in card_actions(card) if a["title"] == "Confirm")

    assert confirm["data"] == {
        "_mentoring": {"type": "action", "action": "enrol.confirm", "value": "4:3"}
    }


def test_paragraphs_only_are_sent_as_markdown_text() -> None:
    activity = message_activity(Message((Text("You're *in*. Type `/mentoring status`."),)), T)

    assert activity == {
        "type": "message",
        "textFormat": "markdown",
        "text": "You're **in**. Type `status`.",
    }


def test_markdown_conversion() -> None:
    assert to_teams("*bold* and _italic_ and `code`") == "**bold** and _italic_ and `code`"
    assert to_teams("`code`", in_card=True) == "**code**"
    assert to_teams("2 * 3 * 4") == "2 * 3 * 4"
    assert to_teams("<https://x.example/a|a link>") == "[a link](https://x.example/a)"
    assert to_teams("type `/mentoring join` or /mentoring help") == "type `join` or help"
    assert to_teams("• first\n• second") == "- first\n- second"
    assert plain("*Ada* said `hi`") == "Ada said hi"


def test_every_field_kind_makes_a_valid_form_card() -> None:
    card = form_card(EVERY_FIELD, T)

    assert_valid_card(card)
    inputs = {i["id"]: i for i in card_inputs(card)}
    assert inputs["department"] == {
        "type": "Input.Text",
        "id": "department",
        "label": "Department",
        "isRequired": True,
        "errorMessage": "Please answer this question.",
        "maxLength": 80,
        "placeholder": "e.g. Finance",
    }
    assert inputs["goals"]["isMultiline"] is True
    assert inputs["seniority"]["style"] == "compact"
    assert inputs["role"]["style"] == "expanded"
    assert inputs["topics"]["isMultiSelect"] is True
    assert inputs["capacity"] == {**inputs["capacity"], "type": "Input.Number", "min": 1, "max": 3}
    assert inputs["capacity"]["value"] == 2
    assert inputs["consent"]["type"] == "Input.Toggle" and inputs["consent"]["value"] == "yes"
    submit, cancel = card["actions"]
    assert submit["data"]["_mentoring"]["state"] == "4:2"
    assert cancel["associatedInputs"] == "none"


def test_a_form_survives_the_round_trip_through_teams() -> None:
    card = form_card(EVERY_FIELD, T)
    topics = card_inputs(card)[4]
    assert topics["value"] == "1"  # values with commas travel as their index
    submit = card["actions"][0]
    value = {**submit["data"], "department": "Finance", "goals": "Learn", "seniority": "2"}
    value.update(role="mentee", topics="0,1", capacity="3", consent="no")
    raw = ta.card_submit(value)

    result = translate(raw, read_activity(raw))

    assert isinstance(result, Incoming) and isinstance(result.event, FormSubmission)
    assert result.event.values["topics"] == ["AI, data", "Hybrid work"]
    assert result.event.values["capacity"] == "3"


def test_errors_show_next_to_their_field() -> None:
    activity = form_activity(EVERY_FIELD, T, {"goals": "Please keep this under 500 characters."})

    assert_valid_activity(activity)
    body = activity["attachments"][0]["content"]["body"]
    at = next(n for n, e in enumerate(body) if e.get("id") == "goals")
    assert body[at + 1]["text"] == "A sentence or two"  # the hint, then the error
    assert body[at + 2]["text"] == "Please keep this under 500 characters."
    assert body[at + 2]["color"] == "attention"


def test_a_large_image_is_dropped_for_its_alt_text() -> None:
    huge = "data:image/png;base64," + "A" * (MAX_CARD_BYTES * 2)
    message = Message((Heading("Stats"), Image(huge, "Chart: 3 meetings a week")))

    card = message_card(message, T)

    assert card_bytes(card) <= MAX_CARD_BYTES
    assert not any(e["type"] == "Image" for e in card["body"])
    assert "Chart: 3 meetings a week" in json.dumps(card)


def test_a_chart_drawn_at_2x_is_sent_at_its_display_size_rather_than_dropped() -> None:
    from bot.stats.chart import Series, chart_image

    chart = chart_image(
        Series(
            [f"{d} nov." for d in range(1, 14)],
            [3, 4, 2, 5, 6, 4, 7, 5, 6, 8, 6, 7, 8],
            [4.0, 3.9, None, 4.0, 3.8, 4.0, 4.0, None, 4.7, 4.8, 4.6, 4.7, 4.8],
            "Pairs that met and average usefulness per week",
            "Pairs that met (number, left axis)",
            "Average usefulness (score from 1 to 5, right axis)",
            "18 Sept 2026 to 18 Dec 2026",
        ),
        alt="A chart; the figures follow.",
    )
    # Text enough that the 2x chart no longer fits, but the same chart at 1x does.
    filler = Text("x" * (MAX_CARD_BYTES - len(chart.url) // 2 - 3000))
    card = message_card(Message((Heading("Stats"), chart, filler)), T)

    assert card_bytes(card) <= MAX_CARD_BYTES
    [image] = [e for e in card["body"] if e["type"] == "Image"]
    png = base64.b64decode(image["url"].split(",", 1)[1])
    assert PILImage.open(io.BytesIO(png)).width == chart.width == 720
    assert_valid_card(card)


def test_an_image_from_anywhere_else_is_not_embedded() -> None:
    message = Message((Image("http://insecure.example/x.png", "a chart"),))

    card = message_card(message, T)

    assert card["body"] == [
        {"type": "TextBlock", "text": "a chart", "wrap": True, "isSubtle": True}
    ]


def test_the_validator_catches_what_teams_would_refuse() -> None:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "version": "1.6",
        "body": [
            {"type": "TextBlock"},
            {"type": "Input.Rating", "id": "r"},
            {"type": "TextBlock", "text": "x", "colour": "red"},
            {"type": "Input.Text", "id": "a"},
            {"type": "Input.Text", "id": "a"},
        ],
        "actions": [{"type": "Action.Execute", "verb": "go"}],
    }

    found = "\n".join(problems(card))

    for expected in ("above 1.5", "'text' is required", "Input.Rating", "'colour'", "unique"):
        assert expected in found
    assert "Action.Execute" in found


short_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=300
)
ids = st.from_regex(r"[a-z]{1,10}(\.[a-z0-9]{1,8}){0,2}", fullmatch=True)
elements: st.SearchStrategy[Element] = st.one_of(
    st.builds(Text, short_text),
    st.builds(Heading, short_text),
    st.builds(Note, short_text),
    st.builds(Fields, st.lists(st.tuples(short_text, short_text), max_size=8).map(tuple)),
    st.just(Divider()),
    st.builds(Image, st.sampled_from([PNG, "https://example.com/a.png"]), short_text),
    st.builds(
        Actions,
        st.lists(st.builds(Button, short_text, ids, short_text), min_size=1, max_size=5).map(tuple),
    ),
)
# At most one choice: two selects with one action id would be a bug of the feature, not Teams'.
choices = st.lists(
    st.builds(
        Choice,
        short_text,
        ids,
        st.lists(st.builds(Option, ids, short_text), min_size=1, max_size=20).map(tuple),
    ),
    max_size=1,
)


@settings(max_examples=80, deadline=None)
@given(st.lists(elements, min_size=1, max_size=40), choices, short_text)
def test_any_message_makes_a_valid_card_under_the_size_limit(
    parts: list[Element], choice: list[Choice], summary: str
) -> None:
    activity = message_activity(Message((*parts, *choice), summary), T)

    assert_valid_activity(activity)
    for card in [a["content"] for a in activity.get("attachments", [])]:
        assert card_bytes(card) <= MAX_CARD_BYTES


def test_a_mention_becomes_a_teams_mention() -> None:
    text = Message((Text("Meet <@29:1grace|Grace Hopper>, your mentor."),))
    card = Message((Heading("Your match"), Text("Meet <@29:1grace|Grace Hopper>.")), "Your match")

    as_text = message_activity(text, T)
    as_card = message_activity(card, T)

    entity = {
        "type": "mention",
        "text": "<at>Grace Hopper</at>",
        "mentioned": {"id": "29:1grace", "name": "Grace Hopper"},
    }
    assert as_text["text"] == "Meet <at>Grace Hopper</at>, your mentor."
    assert as_text["entities"] == [entity]
    content = as_card["attachments"][0]["content"]
    assert content["msteams"] == {"entities": [entity]}
    assert "Grace Hopper" in content["fallbackText"] and "<@" not in content["fallbackText"]
    assert_valid_activity(as_card)
    assert plain("Meet <@29:1grace|Grace>") == "Meet Grace"
