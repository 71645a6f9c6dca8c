"""The local chat's pure translator: page requests → events, intents → what is stored and shown."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.local import translate
from adapters.local.translate import (
    Append,
    BadRequest,
    CloseOpenForms,
    Origin,
    Replace,
    SetHome,
    Stored,
)
from bot.core.model import (
    Action,
    Actions,
    Actor,
    Button,
    Choice,
    CloseForm,
    Command,
    ConversationRef,
    Divider,
    Fields,
    Form,
    FormErrors,
    FormField,
    FormSubmission,
    Heading,
    Image,
    Message,
    MessageRef,
    Note,
    OpenForm,
    Option,
    PlainMessage,
    Platform,
    PostMessage,
    PublishHome,
    Reply,
    Text,
    UpdateMessage,
    UserRef,
)

PRIYA = Actor(UserRef(Platform.LOCAL, "local", "L-priya"), "Priya", "en-GB", "Europe/London")
DM = "D-L-priya"
FORM = Form(
    "enrol.details",
    "Join mentoring",
    (
        FormField("goals", "Your goals", "textarea", max_length=500, initial="Old goals"),
        FormField("topics", "Topics", "multiselect", (Option("AI", "AI"),), initial=("AI",)),
    ),
    "Next",
    "Cancel",
    state="7:2",
)


def stored(kind: str, payload: dict[str, Any], *, id: int = 5, conversation: str = DM) -> Stored:
    viewer = None if conversation == translate.GENERAL else "L-priya"
    return Stored(id, conversation, viewer, kind, kind == "form", payload)


# --- Markdown ---------------------------------------------------------------------------


def test_bold_italic_strike_and_code_become_styled_runs() -> None:
    assert translate.runs("Hi *Priya*, _welcome_ to ~old~ `join`") == [
        {"text": "Hi "},
        {"text": "Priya", "b": True},
        {"text": ", "},
        {"text": "welcome", "i": True},
        {"text": " to "},
        {"text": "old", "s": True},
        {"text": " "},
        {"text": "join", "code": True},
    ]


def test_styles_nest_one_inside_the_other() -> None:
    assert translate.runs("*very _important_*") == [
        {"text": "very ", "b": True},
        {"text": "important", "b": True, "i": True},
    ]


def test_underscores_inside_words_and_lone_stars_stay_as_typed() -> None:
    assert translate.runs("snake_case_name and 2 * 3 * 4") == [
        {"text": "snake_case_name and 2 * 3 * 4"}
    ]


def test_markup_in_text_stays_text() -> None:
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    assert translate.runs(hostile) == [{"text": hostile}]


def test_links_are_only_http_and_https() -> None:
    assert translate.runs("see <https://example.org/a|the guide> or https://example.org/b.") == [
        {"text": "see "},
        {"text": "the guide", "href": "https://example.org/a"},
        {"text": " or "},
        {"text": "https://example.org/b", "href": "https://example.org/b"},
        {"text": "."},
    ]
    assert translate.runs("<javascript:alert(1)|click>") == [
        {"text": "<javascript:alert(1)|click>"}
    ]


_MARKS = str.maketrans("", "", "*_~`<>-")


_TOKENS = [*"ab 1*_~`\n<>:/.-•", "https://x.org", "<https://y.org>"]


@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_markdown_never_loses_or_invents_words(text: str) -> None:
    shown = "\n".join(
        ("- " if line["bullet"] else "") + "".join(r["text"] for r in line["runs"])
        for line in translate.lines(text)
    )

    def words(s: str) -> list[str]:
        return [w for w in (w.translate(_MARKS) for w in s.replace("•", "-").split()) if w]

    assert words(shown) == words(text)


def test_bullet_lines_are_marked_and_blank_lines_kept() -> None:
    assert translate.lines("Agenda:\n- goals\n• topics\n\n* timing") == [
        {"bullet": False, "runs": [{"text": "Agenda:"}]},
        {"bullet": True, "runs": [{"text": "goals"}]},
        {"bullet": True, "runs": [{"text": "topics"}]},
        {"bullet": False, "runs": []},
        {"bullet": True, "runs": [{"text": "timing"}]},
    ]


# --- Neutral elements → page JSON ---------------------------------------------------------


def test_every_element_kind_has_a_page_form() -> None:
    message = Message(
        (
            Heading("Programme health"),
            Text("*12* pairs"),
            Fields((("Meeting rate", "83%"),)),
            Divider(),
            Image("data:image/png;base64,iVBORw0KGgo=", "Meeting rate by week"),
            Actions((Button("Confirm", "enrol.confirm", "1:3", "primary"),)),
            Choice("Answer", "checkin.answer", (Option("met", "We met"),)),
            Note("Only aggregates of 5 or more"),
        ),
        text="Programme health",
    )
    page = translate.page_bot_message(message)
    assert [e["type"] for e in page["elements"]] == [
        "heading",
        "text",
        "fields",
        "divider",
        "image",
        "actions",
        "choice",
        "note",
    ]
    assert page["elements"][2]["items"] == [
        {"label": "Meeting rate", "lines": [{"bullet": False, "runs": [{"text": "83%"}]}]}
    ]
    assert page["elements"][4]["src"].startswith("data:image/png;base64,")
    assert page["elements"][5]["buttons"][0] == {
        "label": "Confirm",
        "action_id": "enrol.confirm",
        "value": "1:3",
        "style": "primary",
        "url": None,
    }
    assert "Meeting rate: 83%" in page["fallback"]


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.org/chart.png", True),
        ("data:image/svg+xml;base64,PHN2Zz4=", True),
        ("javascript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("/relative.png", False),
    ],
)
def test_images_load_only_from_the_web_or_inline_data(url: str, safe: bool) -> None:
    assert (translate.page_element(Image(url, "alt"))["src"] is not None) is safe


def test_a_link_button_never_carries_a_script_url() -> None:
    bad = translate.page_element(Actions((Button("Open", "x", url="javascript:alert(1)"),)))
    good = translate.page_element(Actions((Button("Open", "x", url="https://example.org"),)))
    assert bad["buttons"][0]["url"] is None
    assert good["buttons"][0]["url"] == "https://example.org"


def test_a_rejected_form_shows_errors_and_keeps_what_was_typed() -> None:
    payload = translate.form_payload(
        FORM, errors={"goals": "Too long"}, values={"goals": "x" * 501, "topics": []}
    )
    page = translate.page_form(payload)
    goals, topics = page["fields"]
    assert (goals["error"], goals["value"]) == ("Too long", "x" * 501)
    assert topics["value"] == []
    fresh = translate.page_form(translate.form_payload(FORM))
    assert [f["value"] for f in fresh["fields"]] == ["Old goals", ["AI"]]


def test_a_closed_form_forgets_the_answers_typed_into_it() -> None:
    payload = translate.form_payload(FORM, errors={"goals": "Too long"}, values={"goals": "mine"})
    closed = translate.closed_form_payload(payload, "submitted")
    assert set(closed) == {"form", "status"}
    assert translate.page_form(closed)["status"] == "submitted"


def test_a_user_line_in_a_channel_is_marked_private_when_only_its_author_sees_it() -> None:
    line = Stored(1, translate.GENERAL, "L-priya", "user", False, {"name": "Priya", "text": "hi"})
    public = Stored(2, translate.GENERAL, None, "user", False, {"name": "Priya", "text": "hi"})
    in_dm = Stored(3, DM, "L-priya", "bot", False, translate.bot_payload(Message((Text("x"),))))
    assert translate.page_message(line)["private"] is True
    assert translate.page_message(public)["private"] is False
    assert translate.page_message(in_dm)["private"] is False


def test_a_stored_message_that_no_longer_decodes_is_shown_as_empty_not_an_error() -> None:
    broken = Stored(1, DM, "L-priya", "bot", False, {"message": {"type": "Gone", "x": 1}})
    assert translate.page_message(broken)["elements"] == []


# --- Requests → events --------------------------------------------------------------------


def test_a_slash_command_a_dm_line_and_channel_chat() -> None:
    command = translate.command_event({"text": " /mentoring join ", "event_id": "a1"}, PRIYA, DM)
    assert isinstance(command, Command)
    assert command.text == "/mentoring join"
    assert command.conversation == ConversationRef(Platform.LOCAL, "local", DM, "dm")
    # The page's id, scoped to the persona and hashed: the stored id names nobody.
    assert command.event_id is not None and "priya" not in command.event_id
    again = translate.command_event({"text": "join", "event_id": "a1"}, PRIYA, DM)
    assert again is not None and again.event_id == command.event_id
    assert isinstance(translate.command_event({"text": "join"}, PRIYA, DM), PlainMessage)
    assert translate.command_event({"text": "hello all"}, PRIYA, translate.GENERAL) is None
    in_channel = translate.command_event({"text": "/mentoring stats"}, PRIYA, translate.GENERAL)
    assert isinstance(in_channel, Command) and in_channel.conversation.kind == "channel"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "missing"),
        ({"text": "   "}, 400, "missing"),
        ({"text": ["join"]}, 400, "missing"),
        ({"text": "x" * 2001}, 413, "too_long"),
        ({"text": "/giphy cats"}, 400, "slash_only"),
        ({"text": "join", "event_id": "e" * 65}, 413, "too_long"),
    ],
)
def test_bad_command_requests_are_refused(body: dict[str, Any], status: int, code: str) -> None:
    with pytest.raises(BadRequest) as raised:
        translate.command_event(body, PRIYA, DM)
    assert (raised.value.status, raised.value.code) == (status, code)


def test_a_click_must_be_on_a_button_or_choice_the_message_offers() -> None:
    message = Message(
        (
            Actions((Button("Confirm", "enrol.confirm", "3:1"),)),
            Choice("Answer", "checkin.answer", (Option("met", "We met"),)),
        )
    )
    row = stored("bot", translate.bot_payload(message), id=9)
    click = translate.action_event({"action_id": "enrol.confirm", "value": "3:1"}, PRIYA, row)
    assert click == Action(
        PRIYA,
        ConversationRef(Platform.LOCAL, "local", DM, "dm"),
        "enrol.confirm",
        "3:1",
        MessageRef(ConversationRef(Platform.LOCAL, "local", DM, "dm"), "9"),
    )
    pick = translate.action_event({"action_id": "checkin.answer", "value": "met"}, PRIYA, row)
    assert pick.value == "met"
    for forged in ({"action_id": "enrol.confirm", "value": "4:1"}, {"action_id": "admin.x"}):
        with pytest.raises(BadRequest, match="unknown_action"):
            translate.action_event(forged, PRIYA, row)


def test_a_form_submission_takes_its_id_and_state_from_the_stored_form() -> None:
    row = stored("form", translate.form_payload(FORM))
    body = {"values": {"goals": "Learn", "topics": ["AI"]}, "form_id": "forged", "state": "x"}
    submission = translate.form_event(body, PRIYA, row)
    assert submission == FormSubmission(
        PRIYA,
        ConversationRef(Platform.LOCAL, "local", DM, "dm"),
        "enrol.details",
        {"goals": "Learn", "topics": ["AI"]},
        "7:2",
    )


@pytest.mark.parametrize(
    ("values", "status", "code"),
    [
        (None, 400, "missing"),
        (["goals"], 400, "missing"),
        ({"name": "x"}, 400, "unknown_field"),
        ({"goals": 5}, 400, "missing"),
        ({"topics": [1]}, 400, "missing"),
        ({"goals": "x" * 5001}, 413, "too_long"),
    ],
)
def test_bad_form_values_are_refused(values: Any, status: int, code: str) -> None:
    with pytest.raises(BadRequest) as raised:
        translate.form_event(
            {"values": values}, PRIYA, stored("form", translate.form_payload(FORM))
        )
    assert (raised.value.status, raised.value.code) == (status, code)


def test_a_closed_form_or_a_plain_message_cannot_be_submitted() -> None:
    closed = Stored(5, DM, "L-priya", "form", False, translate.form_payload(FORM))
    with pytest.raises(BadRequest, match="form_closed"):
        translate.form_event({"values": {}}, PRIYA, closed)
    with pytest.raises(BadRequest, match="not_a_form"):
        translate.form_event({"values": {}}, PRIYA, stored("bot", {"message": {}}))


# --- Intents → effects --------------------------------------------------------------------

HELLO = Message((Text("hello"),), "hello")


def test_a_reply_in_a_dm_is_seen_by_its_owner() -> None:
    assert translate.effects([Reply(HELLO)], Origin("L-priya", DM)) == [
        Append(DM, "L-priya", "bot", translate.bot_payload(HELLO))
    ]


def test_in_a_channel_a_private_reply_is_ephemeral_and_a_public_one_is_for_all() -> None:
    origin = Origin("L-julien", translate.GENERAL)
    private, public = translate.effects([Reply(HELLO), Reply(HELLO, private=False)], origin)
    assert isinstance(private, Append) and private.viewer == "L-julien"
    assert isinstance(public, Append) and public.viewer is None


def test_a_replacing_reply_rewrites_the_clicked_message() -> None:
    clicked = stored("bot", translate.bot_payload(HELLO), id=12)
    [change] = translate.effects([Reply(HELLO, replace=True)], Origin("L-priya", DM, clicked))
    payload = translate.bot_payload(HELLO)
    # If the clicked message is gone (erased by leave), the answer is added instead.
    instead = Append(DM, "L-priya", "bot", payload)
    assert change == Replace(12, "bot", payload, instead=instead)


def test_the_next_form_closes_the_submitted_one_and_any_other_open_form() -> None:
    submitted = stored("form", translate.form_payload(FORM), id=20)
    changes = translate.effects([OpenForm(FORM)], Origin("L-priya", DM, submitted))
    assert changes == [
        Replace(
            20, "form", translate.closed_form_payload(translate.form_payload(FORM), "submitted")
        ),
        CloseOpenForms("L-priya"),
        Append(DM, "L-priya", "form", translate.form_payload(FORM), active=True),
    ]


def test_form_errors_redraw_the_same_form_with_what_was_typed() -> None:
    submitted = stored("form", translate.form_payload(FORM), id=20)
    origin = Origin("L-priya", DM, submitted, {"goals": "typed"})
    [change] = translate.effects([FormErrors(FORM, {"goals": "Too long"})], origin)
    assert isinstance(change, Replace) and change.active
    assert change.payload["values"] == {"goals": "typed"}
    assert change.payload["errors"] == {"goals": "Too long"}


def test_a_value_the_bot_says_to_forget_is_not_stored() -> None:
    # A self-description typed without consent: refused, and not kept in the chat's database.
    submitted = stored("form", translate.form_payload(FORM), id=20)
    origin = Origin("L-priya", DM, submitted, {"goals": "typed", "note": "secret note"})
    errors = {"consent": "Please tick"}
    [change] = translate.effects([FormErrors(FORM, errors, ("note",))], origin)
    assert isinstance(change, Replace)
    assert change.payload["values"] == {"goals": "typed"}
    assert "secret note" not in str(change.payload)


def test_a_closed_form_keeps_none_of_the_values_it_was_opened_with() -> None:
    # A survey re-shown after an error holds the answers given so far as initial values.
    payload = translate.form_payload(FORM)
    assert "Old goals" in str(payload)
    closed = translate.closed_form_payload(payload, "submitted")
    assert "Old goals" not in str(closed)
    assert [f["value"] for f in translate.page_form(closed)["fields"]] == [None, None]


def test_closing_a_form_marks_it_sent_and_a_failed_submission_leaves_it_open() -> None:
    submitted = stored("form", translate.form_payload(FORM), id=20)
    origin = Origin("L-priya", DM, submitted)
    closed, reply = translate.effects([CloseForm(), Reply(HELLO)], origin)
    assert isinstance(closed, Replace) and closed.payload["status"] == "submitted"
    assert isinstance(reply, Append)
    # The engine answered only with an error message: the form stays as it was.
    assert translate.effects([Reply(HELLO)], origin) == [
        Append(DM, "L-priya", "bot", translate.bot_payload(HELLO))
    ]


def test_posts_updates_and_homes() -> None:
    general = ConversationRef(Platform.LOCAL, "local", translate.GENERAL, "channel")
    slack = ConversationRef(Platform.SLACK, "T1", "C1", "channel")
    target = MessageRef(ConversationRef(Platform.LOCAL, "local", DM, "dm"), "33")
    home = PublishHome(UserRef(Platform.LOCAL, "local", "L-priya"), HELLO)
    changes = translate.effects(
        [
            PostMessage(general, HELLO),
            PostMessage(slack, HELLO),
            UpdateMessage(target, HELLO),
            home,
        ],
        Origin("L-priya", DM),
    )
    payload = translate.bot_payload(HELLO)
    assert changes == [
        Append(translate.GENERAL, None, "bot", payload),
        Replace(33, "bot", payload),
        SetHome("L-priya", payload),
    ]


def test_conversation_ids_and_tabs() -> None:
    assert translate.conversation_id("dm", "L-priya") == DM
    assert translate.conversation_id("home", "L-priya") == "H-L-priya"
    assert translate.conversation_key("H-L-priya") == "home"
    assert translate.conversation_ref("H-L-priya").channel_id == DM  # home acts from the DM
    with pytest.raises(BadRequest, match="unknown_conversation"):
        translate.conversation_id("random", "L-priya")


def test_a_bare_address_stops_at_an_escaped_angle_bracket() -> None:
    found = translate.runs("hello &lt;https://evil.example|click here&gt; &amp; more")
    links = [r for r in found if "href" in r]
    assert links == [{"text": "https://evil.example|click", "href": "https://evil.example|click"}]
    assert "".join(r["text"] for r in found) == "hello <https://evil.example|click here> & more"
    query = translate.runs("see https://example.com/a?b=1&amp;c=2.")
    assert [r["href"] for r in query if "href" in r] == ["https://example.com/a?b=1&c=2"]
