"""Neutral messages and forms → Block Kit, validated with slack_sdk's block models."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import blocks
from adapters.slack.blocks import (
    data_images,
    errors_response,
    home_view,
    message_payloads,
    modal_view,
    neutral_action_id,
)
from bot.core.model import (
    Actions,
    Button,
    Choice,
    Divider,
    Element,
    Fields,
    Form,
    FormErrors,
    FormField,
    Heading,
    Image,
    Message,
    Note,
    Option,
    Text,
)
from tests.adapters.slack.helpers import assert_valid_message, assert_valid_view

NOTE = "_shortened_"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake-chart").decode()


def test_every_element_renders_as_valid_block_kit_with_a_text_fallback() -> None:
    message = Message(
        (
            Heading("Your mentoring"),
            Text("*Role*: mentor"),
            Fields((("Programme", "Reverse mentoring"), ("Status", "active"))),
            Divider(),
            Note("Only you can see this."),
            Image("https://example.org/chart.png", "A chart"),
            Actions((Button("Confirm", "enrol.confirm", "1:3", "primary"), Button("Edit", "e"))),
            Choice(
                "Language", "language.pick", (Option("en", "English"), Option("fr", "Français"))
            ),
        ),
        text="Your mentoring",
    )
    [payload] = message_payloads(message, NOTE)
    assert_valid_message(payload)
    assert payload["text"] == "Your mentoring"
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == [
        "header",
        "section",
        "section",
        "divider",
        "context",
        "image",
        "actions",
        "section",
    ]


def test_a_long_text_is_split_into_sections_of_at_most_3000_characters() -> None:
    paragraph = "word " * 500
    text = "\n\n".join([paragraph] * 4)  # about 10,000 characters
    [payload] = message_payloads(Message((Text(text),)), NOTE)
    assert_valid_message(payload)
    sections = [b["text"]["text"] for b in payload["blocks"]]
    assert len(sections) >= 4 and all(len(s) <= 3000 for s in sections)
    assert " ".join(" ".join(sections).split()) == " ".join(text.split())  # nothing lost


def test_a_message_over_50_blocks_becomes_several_messages_then_is_cut_with_a_note() -> None:
    many = Message(tuple(Text(f"line {i}") for i in range(120)), text="Many lines")
    payloads = message_payloads(many, NOTE)
    assert [len(p["blocks"]) for p in payloads] == [50, 50, 20]
    for p in payloads:
        assert_valid_message(p)
    too_many = Message(tuple(Text(f"line {i}") for i in range(400)))
    cut = message_payloads(too_many, NOTE)
    assert len(cut) == blocks.MAX_MESSAGES
    assert cut[-1]["blocks"][-1] == {"type": "context", "elements": [blocks.mrkdwn(NOTE)]}


def test_repeated_action_ids_in_one_row_are_made_unique_and_map_back() -> None:
    row = Actions(tuple(Button(f"Programme {i}", "enrol.edit_programme", str(i)) for i in range(3)))
    [payload] = message_payloads(Message((row,)), NOTE)
    assert_valid_message(payload)
    ids = [e["action_id"] for e in payload["blocks"][0]["elements"]]
    assert len(set(ids)) == 3
    assert {neutral_action_id(i) for i in ids} == {"enrol.edit_programme"}


def test_buttons_beyond_25_go_to_another_row_and_long_labels_and_values_are_cut() -> None:
    row = Actions(tuple(Button("x" * 100, f"b{i}", "v" * 2500) for i in range(30)))
    [payload] = message_payloads(Message((row,)), NOTE)
    assert_valid_message(payload)
    assert [len(b["elements"]) for b in payload["blocks"]] == [25, 5]


def test_a_chart_as_data_url_is_shown_as_its_text_and_handed_over_for_upload() -> None:
    message = Message((Image(f"data:image/png;base64,{PNG}", "Meetings per month: 3, 5, 8"),))
    [payload] = message_payloads(message, NOTE)
    assert_valid_message(payload)
    assert "Meetings per month" in payload["blocks"][0]["elements"][0]["text"]
    [upload] = data_images(message)
    assert upload.content.startswith(b"\x89PNG") and upload.filename.endswith(".png")
    assert data_images(Message((Image("data:image/png;base64,@@@", "broken"),))) == []


FIELDS = (
    FormField("name", "Your name", "text", max_length=80, initial="Alice", placeholder="Name"),
    FormField("goals", "Goals", "textarea", max_length=5000, hint="A sentence or two"),
    FormField(
        "programme",
        "Programme",
        "select",
        (Option("1", "Reverse"), Option("2", "Classic")),
        initial="2",
    ),
    FormField(
        "topics", "Topics", "multiselect", (Option("AI", "AI"), Option("UX", "UX")), initial=("UX",)
    ),
    FormField("role", "Role", "radio", (Option("mentor", "Mentor"), Option("mentee", "Mentee"))),
    FormField("capacity", "How many", "number", min_value=1, max_value=3, initial="2"),
    FormField(
        "consent", "Consent", "checkbox", required=False, placeholder="I agree", initial="yes"
    ),
)


def _form(**changes: object) -> Form:
    values: dict[str, object] = {
        "form_id": "enrol.details",
        "title": "Join the reverse mentoring programme",  # longer than a modal title may be
        "fields": FIELDS,
        "submit_label": "Next",
        "cancel_label": "Cancel",
        "intro": (Text("A few questions."),),
        "state": "4:2",
    }
    values.update(changes)
    return Form(**values)  # type: ignore[arg-type]


def test_a_form_becomes_a_valid_modal_with_one_input_per_field_named_after_it() -> None:
    view = modal_view(_form(), '{"s":"4:2"}', NOTE)
    assert_valid_view(view)
    assert view["callback_id"] == "enrol.details"
    assert len(view["title"]["text"]) <= 24
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == [f.name for f in FIELDS]
    kinds = {name: b["element"]["type"] for name, b in inputs.items()}
    assert kinds == {
        "name": "plain_text_input",
        "goals": "plain_text_input",
        "programme": "static_select",
        "topics": "multi_static_select",
        "role": "radio_buttons",
        "capacity": "number_input",
        "consent": "checkboxes",
    }
    assert inputs["goals"]["element"]["multiline"] is True
    assert inputs["goals"]["element"]["max_length"] == 3000  # Slack's ceiling
    assert inputs["programme"]["element"]["initial_option"]["value"] == "2"
    assert [o["value"] for o in inputs["topics"]["element"]["initial_options"]] == ["UX"]
    assert inputs["capacity"]["element"]["max_value"] == "3"
    assert inputs["consent"]["optional"] is True
    assert inputs["consent"]["element"]["initial_options"][0]["value"] == "yes"


def test_a_radio_with_more_than_ten_choices_becomes_a_select() -> None:
    many = tuple(Option(str(i), f"Choice {i}") for i in range(12))
    view = modal_view(_form(fields=(FormField("pick", "Pick", "radio", many),)), "", NOTE)
    assert_valid_view(view)
    assert view["blocks"][-1]["element"]["type"] == "static_select"


def test_errors_name_the_fields_or_fall_back_to_showing_the_form_again() -> None:
    form = _form()
    assert errors_response(FormErrors(form, {"capacity": "Between 1 and 3"})) == {
        "response_action": "errors",
        "errors": {"capacity": "Between 1 and 3"},
    }
    assert errors_response(FormErrors(form, {"nowhere": "?"})) is None
    flagged = _form(fields=(FormField("capacity", "How many", "number", error="Too many"),))
    view = modal_view(flagged, "", NOTE)
    assert_valid_view(view)
    assert "Too many" in view["blocks"][-1]["elements"][0]["text"]


def test_the_home_tab_holds_at_most_100_blocks() -> None:
    view = home_view(Message(tuple(Text(f"line {i}") for i in range(150))), NOTE)
    assert_valid_view(view)
    assert len(view["blocks"]) == 100
    assert view["blocks"][-1]["type"] == "context"


_texts = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=4000)
_labels = st.text(min_size=0, max_size=120)
_elements = st.one_of(
    _texts.map(Text),
    _labels.map(Heading),
    _texts.map(Note),
    st.just(Divider()),
    st.lists(st.tuples(_labels, _texts), max_size=25).map(lambda items: Fields(tuple(items))),
    st.lists(
        st.builds(Button, _labels, st.text(min_size=1, max_size=300), st.text(max_size=2500)),
        min_size=1,
        max_size=40,
    ).map(lambda bs: Actions(tuple(bs))),
    st.builds(
        Choice,
        _labels,
        st.text(min_size=1, max_size=50),
        st.lists(st.builds(Option, st.text(min_size=1, max_size=200), _labels), max_size=120).map(
            tuple
        ),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_elements, max_size=80), _texts)
def test_any_neutral_message_renders_within_block_kit_limits(
    elements: list[Element], text: str
) -> None:
    for payload in message_payloads(Message(tuple(elements), text=text), NOTE):
        assert_valid_message(payload)
