"""The local chat's pure translator: page requests → neutral events, intents → page JSON.

Nothing here touches the network or the database. The page never receives HTML:
markdown is parsed here into typed *runs* (``{"text": ..., "b": true}``) that the
page turns into DOM nodes with ``textContent``, so text from anyone (a display
name, a free-text answer) can never become markup.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from bot.core.markup import escape, unescape
from bot.core.model import (
    Action,
    Actions,
    Actor,
    Choice,
    CloseForm,
    Command,
    ConversationRef,
    Divider,
    Element,
    Fields,
    Form,
    FormErrors,
    FormSubmission,
    Heading,
    Image,
    Intent,
    Message,
    MessageRef,
    Note,
    OpenForm,
    PlainMessage,
    Platform,
    PostMessage,
    PublishHome,
    Reply,
    Text,
    UpdateMessage,
)
from bot.core.plaintext import element_text, message_text
from bot.core.serialize import from_data, to_data

WORKSPACE = "local"
GENERAL = "C-general"
MAX_TEXT = 2000  # the engine reads no more of a command than this
MAX_ID = 200
MAX_VALUE = 5000
MAX_FIELDS = 60
MAX_LIST_ITEMS = 100
MAX_EVENT_ID = 64

ConversationKey = Literal["dm", "general", "home"]
FormStatus = Literal["open", "submitted", "cancelled", "replaced"]


class BadRequest(Exception):
    """A request the page should not have sent; ``code`` names a catalog line ``local.error.*``."""

    def __init__(self, status: int, code: str, **params: object) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.params = params


# --- Conversations --------------------------------------------------------------------


def dm_id(user_id: str) -> str:
    """The id of a persona's direct conversation with the bot."""
    return f"D-{user_id}"


def home_id(user_id: str) -> str:
    """The id of a persona's home view."""
    return f"H-{user_id}"


def conversation_id(key: str, user_id: str) -> str:
    """The conversation a page tab names (``dm``, ``general``, ``home``) for one persona."""
    if key == "dm":
        return dm_id(user_id)
    if key == "general":
        return GENERAL
    if key == "home":
        return home_id(user_id)
    raise BadRequest(404, "unknown_conversation")


def conversation_key(conversation: str) -> ConversationKey | None:
    """The page tab showing a conversation id, if any."""
    if conversation == GENERAL:
        return "general"
    if conversation.startswith("D-"):
        return "dm"
    if conversation.startswith("H-"):
        return "home"
    return None


def owner(conversation: str) -> str | None:
    """The persona a private conversation (DM, home) belongs to; None for a channel."""
    if conversation.startswith(("D-", "H-")):
        return conversation[2:]
    return None


def conversation_ref(conversation: str) -> ConversationRef:
    """The neutral reference of a local conversation (a home acts from the DM)."""
    user = owner(conversation)
    if user is not None:
        return ConversationRef(Platform.LOCAL, WORKSPACE, dm_id(user), "dm")
    return ConversationRef(Platform.LOCAL, WORKSPACE, conversation, "channel")


# --- Stored messages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """A message as the database holds it (``storage.local_chat.LocalMessage``)."""

    id: int
    conversation: str
    viewer: str | None
    kind: str  # bot | user | form
    active: bool
    payload: Mapping[str, Any]
    created_at: datetime | None = None


def bot_payload(message: Message) -> dict[str, Any]:
    """What is stored for a bot message: the neutral message itself."""
    return {"message": to_data(message)}


def user_payload(user_id: str, name: str, text: str) -> dict[str, Any]:
    """What is stored for a line a persona typed."""
    return {"user": user_id, "name": name, "text": text}


def form_payload(
    form: Form,
    *,
    status: FormStatus = "open",
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str | list[str]] | None = None,
) -> dict[str, Any]:
    """What is stored for a form; a rejected form keeps what was typed, so nothing is lost."""
    data: dict[str, Any] = {"form": to_data(form), "status": status}
    if errors:
        data["errors"] = dict(errors)
    if values and status == "open":
        data["values"] = dict(values)
    return data


def closed_form_payload(payload: Mapping[str, Any], status: FormStatus) -> dict[str, Any]:
    """A form that is done: the questions stay, the answers typed into it are dropped,
    and so are the values it was opened with (a survey re-shown after an error holds
    the answers given so far; an edit form holds the enrolment's answers)."""
    form = dict(payload.get("form") or {})
    if isinstance(form.get("fields"), list):
        form["fields"] = [
            {**f, "initial": None} if isinstance(f, dict) else f for f in form["fields"]
        ]
    return {"form": form, "status": status}


def kept_values(
    typed: Mapping[str, str | list[str]], forget: Sequence[str]
) -> dict[str, str | list[str]]:
    """What a refused form keeps of what was typed: everything but the fields the bot
    said to forget (a self-description without consent), which are typed again."""
    return {name: value for name, value in typed.items() if name not in forget}


# --- Markdown → runs --------------------------------------------------------------------------

_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|<(?P<href>https?://[^|>\s]+)(?:\|(?P<label>[^>\n]+))?>"
    r"|(?<![\w*])\*(?P<b>[^*\n]*[^*\s])\*(?![\w*])"
    r"|(?<![\w_])_(?P<i>[^_\n]*[^_\s])_(?![\w_])"
    r"|(?<![\w~])~(?P<s>[^~\n]*[^~\s])~(?![\w~])"
    # A bare address ends where an escaped < or > starts (the text is markup, entities kept).
    r"|(?P<url>https?://(?:(?!&(?:lt|gt);)[^\s<>])*(?:(?!&(?:lt|gt);)[^\s<>.,;:!?'\")\]]))"
)
_BULLET = re.compile(r"^\s*(?:[-•]|\*(?=\s))\s+")


def runs(text: str, style: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """One line of neutral markup as styled runs: ``*b*``, ``_i_``, ``~s~``, code, links.

    The runs hold plain text (entities decoded): the page puts it into text nodes.
    """
    out: list[dict[str, Any]] = []

    def plain(chunk: str) -> None:
        if chunk:
            out.append({"text": unescape(chunk), **dict.fromkeys(sorted(style), True)})

    pos = 0
    for m in _INLINE.finditer(text):
        plain(text[pos : m.start()])
        pos = m.end()
        if m.group("code") is not None:
            out.append({"text": unescape(m.group("code")), "code": True})
        elif m.group("href") is not None:
            href = unescape(m.group("href"))
            out.append({"text": unescape(m.group("label") or m.group("href")), "href": href})
        elif m.group("url") is not None:
            url = unescape(m.group("url"))
            out.append({"text": url, "href": url})
        else:
            kind = next(k for k in ("b", "i", "s") if m.group(k) is not None)
            out.extend(runs(m.group(kind), style | {kind}))
    plain(text[pos:])
    return out


def lines(text: str) -> list[dict[str, Any]]:
    """A paragraph as lines of runs; ``- item`` and ``• item`` lines are bullets."""
    result = []
    for line in text.split("\n"):
        bullet = _BULLET.match(line)
        body = line[bullet.end() :] if bullet else line
        result.append({"bullet": bool(bullet), "runs": runs(body)})
    return result


# --- Neutral model → page JSON ---------------------------------------------------------------

_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]+$")


def safe_image_url(url: str) -> str | None:
    """An image source the page may load: https/http, or an inline ``data:`` image."""
    if url.startswith(("https://", "http://")) or _DATA_IMAGE.match(url):
        return url
    return None


def safe_link(url: str | None) -> str | None:
    """A link the page may open: only http(s), never ``javascript:`` or ``data:``."""
    if url and url.startswith(("https://", "http://")):
        return url
    return None


def page_element(element: Element) -> dict[str, Any]:
    """One message element as JSON for the page."""
    match element:
        case Text(text=text):
            return {"type": "text", "lines": lines(text)}
        case Heading(text=text):
            return {"type": "heading", "text": unescape(text)}
        case Fields(items=items):
            return {
                "type": "fields",
                "items": [
                    {"label": unescape(label), "lines": lines(value)} for label, value in items
                ],
            }
        case Note(text=text):
            return {"type": "note", "lines": lines(text)}
        case Divider():
            return {"type": "divider"}
        case Image(url=url, alt=alt, width=width, height=height):
            return {
                "type": "image",
                "src": safe_image_url(url),
                "alt": unescape(alt),
                "width": width,
                "height": height,
            }
        case Actions(buttons=buttons):
            return {
                "type": "actions",
                "buttons": [
                    {
                        "label": unescape(b.label),
                        "action_id": b.action_id,
                        "value": b.value,
                        "style": b.style,
                        "url": safe_link(b.url),
                    }
                    for b in buttons
                ],
            }
        case Choice(label=label, action_id=action_id, options=options):
            return {
                "type": "choice",
                "label": unescape(label),
                "action_id": action_id,
                "options": [{"value": o.value, "label": unescape(o.label)} for o in options],
            }
    return {"type": "fallback", "text": unescape(element_text(element))}


def page_bot_message(message: Message) -> dict[str, Any]:
    """A bot message: its elements and its plain-text fallback."""
    return {
        "elements": [page_element(e) for e in message.elements],
        "fallback": unescape(message_text(message)),
    }


def _field_value(
    initial: str | tuple[str, ...] | None, typed: str | list[str] | None
) -> str | list[str] | None:
    if typed is not None:
        return typed
    if isinstance(initial, tuple):
        return list(initial)
    return initial


def page_form(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A form as JSON for the page, with its per-field errors and what was typed."""
    form = _decode(payload.get("form"), Form)
    status = payload.get("status", "open")
    if form is None:
        return {"status": "replaced", "title": "", "fields": [], "intro": []}
    errors: Mapping[str, str] = payload.get("errors") or {}
    typed: Mapping[str, str | list[str]] = payload.get("values") or {}
    return {
        "form_id": form.form_id,
        "title": unescape(form.title),
        "status": status,
        "intro": [page_element(e) for e in form.intro],
        "fields": [
            {
                "name": f.name,
                "label": unescape(f.label),
                "kind": f.kind,
                "options": [{"value": o.value, "label": unescape(o.label)} for o in f.options],
                "required": f.required,
                "value": _field_value(f.initial, typed.get(f.name)),
                "hint": unescape(f.hint),
                "placeholder": unescape(f.placeholder),
                "max_length": f.max_length,
                "min": f.min_value,
                "max": f.max_value,
                "error": unescape(errors.get(f.name) or f.error or "") or None,
            }
            for f in form.fields
        ],
        "submit_label": unescape(form.submit_label),
        "cancel_label": unescape(form.cancel_label),
    }


def page_message(stored: Stored) -> dict[str, Any]:
    """A stored message as the page shows it."""
    data: dict[str, Any] = {
        "id": stored.id,
        "kind": stored.kind,
        "time": stored.created_at.isoformat() if stored.created_at else None,
        # In a channel, a message with a viewer is ephemeral: "only visible to you".
        "private": stored.viewer is not None and owner(stored.conversation) is None,
    }
    data.update(_page_body(stored.kind, json.dumps(stored.payload, sort_keys=True)))
    return data


# The page reads a whole conversation on every change: decoding each message again
# would cost about a millisecond apiece. The result is shared, so it is never mutated.
@lru_cache(maxsize=4096)
def _page_body(kind: str, payload_json: str) -> dict[str, Any]:
    payload = json.loads(payload_json)
    if kind == "user":
        return {
            "author": str(payload.get("name", "")),
            "author_id": str(payload.get("user", "")),
            # What a persona typed is shown as typed: it is not markup.
            "lines": lines(escape(str(payload.get("text", "")))),
        }
    if kind == "form":
        return {"form": page_form(payload)}
    message = _decode(payload.get("message"), Message)
    if message is None:
        return {"elements": [], "fallback": str(payload.get("text", ""))}
    return page_bot_message(message)


def _decode(data: Any, cls: type[Any]) -> Any:
    """A stored neutral object, or None when it no longer decodes (an older payload shape)."""
    try:
        obj = from_data(data)
    except (TypeError, ValueError, KeyError):
        return None
    return obj if isinstance(obj, cls) else None


# --- Page requests → neutral events ----------------------------------------------------------


def require_text(
    body: Mapping[str, Any], name: str, max_length: int, *, required: bool = True
) -> str:
    """A string field of a request, checked for presence and length."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest(400, "missing", field=name)
    if len(value) > max_length:
        raise BadRequest(413, "too_long", field=name, max=max_length)
    return value


def require_int(body: Mapping[str, Any], name: str) -> int:
    """A positive integer field of a request (booleans are not numbers here)."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequest(400, "missing", field=name)
    return value


def event_id(body: Mapping[str, Any], user_id: str) -> str | None:
    """The page's id for this request, so a resent request is handled once.

    Scoped to the persona (one cannot spend another's id) and hashed, so that the
    stored id names nobody once the person has left.
    """
    raw = require_text(body, "event_id", MAX_EVENT_ID, required=False)
    if not raw:
        return None
    return "p:" + hashlib.sha256(f"{user_id}:{raw}".encode()).hexdigest()[:40]


def command_event(
    body: Mapping[str, Any], actor: Actor, conversation: str
) -> Command | PlainMessage | None:
    """What a persona typed: a ``/mentoring`` command, free text to the bot, or channel chat.

    Free text in a channel is chat between people: it gets no event (None).
    """
    text = require_text(body, "text", MAX_TEXT).strip()
    ref = conversation_ref(conversation)
    eid = event_id(body, actor.user.user_id)
    if text.startswith("/"):
        first = text.split(maxsplit=1)[0].lower()
        if first != "/mentoring":
            raise BadRequest(400, "slash_only", command=first[:40])
        return Command(actor, ref, text, eid)
    if ref.is_private:
        return PlainMessage(actor, ref, text, eid)
    return None


def offered_actions(stored: Stored) -> set[tuple[str, str]]:
    """Every (action id, value) a message offers: its buttons and its choices' options."""
    if stored.kind != "bot":
        return set()
    message = _decode(stored.payload.get("message"), Message)
    if message is None:
        return set()
    offered: set[tuple[str, str]] = set()
    for element in message.elements:
        if isinstance(element, Actions):
            offered |= {(b.action_id, b.value) for b in element.buttons}
        elif isinstance(element, Choice):
            offered |= {(element.action_id, o.value) for o in element.options}
    return offered


def action_event(body: Mapping[str, Any], actor: Actor, stored: Stored) -> Action:
    """A click on a button or a pick in a choice of a message the persona sees."""
    action_id = require_text(body, "action_id", MAX_ID)
    value = require_text(body, "value", MAX_VALUE, required=False)
    if (action_id, value) not in offered_actions(stored):
        raise BadRequest(400, "unknown_action")
    ref = conversation_ref(stored.conversation)
    target = MessageRef(ref, str(stored.id))
    return Action(actor, ref, action_id, value, target, event_id(body, actor.user.user_id))


def form_values(body: Mapping[str, Any], form: Form) -> dict[str, str | list[str]]:
    """The submitted values, checked against the form's own fields."""
    raw = body.get("values")
    if not isinstance(raw, dict) or len(raw) > MAX_FIELDS:
        raise BadRequest(400, "missing", field="values")
    names = {f.name for f in form.fields}
    values: dict[str, str | list[str]] = {}
    for name, value in raw.items():
        if name not in names:
            raise BadRequest(400, "unknown_field", field=str(name)[:40])
        if isinstance(value, str):
            if len(value) > MAX_VALUE:
                raise BadRequest(413, "too_long", field=name, max=MAX_VALUE)
            values[name] = value
        elif isinstance(value, list) and len(value) <= MAX_LIST_ITEMS:
            if not all(isinstance(v, str) and len(v) <= MAX_ID for v in value):
                raise BadRequest(400, "missing", field=name)
            values[name] = list(value)
        else:
            raise BadRequest(400, "missing", field=name)
    return values


def stored_form(stored: Stored) -> Form:
    """The open form of a stored message; a closed or missing form is a conflict."""
    form: Form | None = None
    if stored.kind == "form":
        form = _decode(stored.payload.get("form"), Form)
    if form is None:
        raise BadRequest(400, "not_a_form")
    if not stored.active:
        raise BadRequest(409, "form_closed")
    return form


def form_event(body: Mapping[str, Any], actor: Actor, stored: Stored) -> FormSubmission:
    """A submitted form; its id and state come from the stored form, not from the page."""
    form = stored_form(stored)
    values = form_values(body, form)
    ref = conversation_ref(stored.conversation)
    eid = event_id(body, actor.user.user_id)
    return FormSubmission(actor, ref, form.form_id, values, form.state, eid)


# --- Intents → what to store ---------------------------------------------------------------


@dataclass(frozen=True)
class Append:
    """Add a message to a conversation, seen by ``viewer`` (None: everyone there)."""

    conversation: str
    viewer: str | None
    kind: str
    payload: dict[str, Any]
    active: bool = False


@dataclass(frozen=True)
class Replace:
    """Give an existing message new content."""

    message_id: int
    kind: str
    payload: dict[str, Any]
    active: bool = False
    instead: Append | None = None  # when the message is gone (erased by ``leave``)


@dataclass(frozen=True)
class CloseOpenForms:
    """Close a persona's open forms (a new form replaces them, as a Slack modal would)."""

    viewer: str


@dataclass(frozen=True)
class SetHome:
    """Replace a persona's home view."""

    viewer: str
    payload: dict[str, Any]


Effect = Append | Replace | CloseOpenForms | SetHome


@dataclass(frozen=True)
class Origin:
    """Where the intents answer: who acted, in which conversation, from which message."""

    persona: str
    conversation: str
    message: Stored | None = None
    values: Mapping[str, str | list[str]] = field(default_factory=dict)

    @property
    def form(self) -> Stored | None:
        """The form that was submitted, if the event was a form submission."""
        return self.message if self.message is not None and self.message.kind == "form" else None


def _viewer(conversation: str, persona: str, private: bool) -> str | None:
    owned = owner(conversation)
    if owned is not None:
        return owned
    return persona if private else None


def effects(intents: Sequence[Intent], origin: Origin) -> list[Effect]:
    """What the intents change in the local chat, in order."""
    out: list[Effect] = []
    submitted = origin.form
    for intent in intents:
        match intent:
            case Reply(message=message, private=private, replace=replace):
                clicked = origin.message
                viewer = _viewer(origin.conversation, origin.persona, private)
                append = Append(origin.conversation, viewer, "bot", bot_payload(message))
                if replace and clicked is not None and clicked.kind == "bot":
                    out.append(Replace(clicked.id, "bot", append.payload, instead=append))
                else:
                    out.append(append)
            case PostMessage(conversation=ref, message=message):
                if ref.platform == Platform.LOCAL:
                    target = ref.channel_id
                    out.append(Append(target, owner(target), "bot", bot_payload(message)))
            case OpenForm(form=form):
                if submitted is not None:
                    payload = closed_form_payload(submitted.payload, "submitted")
                    out.append(Replace(submitted.id, "form", payload))
                    submitted = None
                out.append(CloseOpenForms(origin.persona))
                out.append(
                    Append(origin.conversation, origin.persona, "form", form_payload(form), True)
                )
            case FormErrors(form=form, errors=errors, forget=forget):
                kept = kept_values(origin.values, forget)
                payload = form_payload(form, errors=errors, values=kept)
                if submitted is not None:
                    out.append(Replace(submitted.id, "form", payload, active=True))
                else:
                    out.append(Append(origin.conversation, origin.persona, "form", payload, True))
            case CloseForm():
                if submitted is not None:
                    payload = closed_form_payload(submitted.payload, "submitted")
                    out.append(Replace(submitted.id, "form", payload))
                    submitted = None
                else:
                    out.append(CloseOpenForms(origin.persona))
            case UpdateMessage(target=target, message=message):
                if target.conversation.platform == Platform.LOCAL and target.message_id.isdigit():
                    out.append(Replace(int(target.message_id), "bot", bot_payload(message)))
            case PublishHome(user=user, message=message):
                if user.platform == Platform.LOCAL:
                    out.append(SetHome(user.user_id, bot_payload(message)))
    return out
