"""Neutral messages and forms → Block Kit, within Block Kit's limits (pure, no I/O).

Long texts are split over several blocks, long messages over several Slack
messages; what still does not fit is cut with a note. Every message carries a
plain-text fallback. ``data:`` images (charts) cannot be Block Kit images: they
are shown as their alt text and uploaded as files by the caller.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.markup import unescape
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
from bot.core.plaintext import element_text, message_text

log = logging.getLogger(__name__)

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGES = 4  # a longer message is cut after this many Slack messages
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTONS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_URL = 3000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_CHOICES_SHOWN = 10  # radio buttons and checkboxes
MAX_TITLE = 24
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_TEXT_INPUT = 3000
MAX_ALT_TEXT = 2000
MAX_FALLBACK_TEXT = 4000
MAX_ERROR_TEXT = 2000

ACTION_SUFFIX = "::"  # makes repeated action ids unique inside one block
DATA_IMAGE_PREFIX = "data:image/"
CHECKED = "yes"


# --- text helpers -----------------------------------------------------------------------


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit``, cut at paragraphs, lines or spaces if possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        at = max(window.rfind("\n\n"), window.rfind("\n"))
        if at < limit // 2:
            at = window.rfind(" ")
        if at < limit // 2:
            at = limit
        pieces.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def plain(text: str, limit: int) -> dict[str, Any]:
    """A ``plain_text`` object (never empty: Slack refuses empty text).

    Slack parses no markup in plain text: the neutral markup's entities are decoded, so a
    name shows as typed.
    """
    return {"type": "plain_text", "text": cut(unescape(text), limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """A ``mrkdwn`` text object; neutral markup is already Slack's, entities included (the
    engine escaped ``&``, ``<`` and ``>`` in every value it placed into a text)."""
    return {"type": "mrkdwn", "text": text or " "}


def unique_action_id(action_id: str, seen: dict[str, int]) -> str:
    """``action_id``, suffixed when the block already has it (Slack wants them unique)."""
    count = seen.get(action_id, 0)
    seen[action_id] = count + 1
    if count == 0:
        return cut(action_id, MAX_ACTION_ID)
    suffix = f"{ACTION_SUFFIX}{count}"
    return action_id[: MAX_ACTION_ID - len(suffix)] + suffix


def neutral_action_id(action_id: str) -> str:
    """The neutral action id behind a Block Kit one (drops the uniqueness suffix)."""
    return action_id.split(ACTION_SUFFIX, 1)[0]


# --- message elements ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A block and the plain text it stands for (for the chunks' text fallbacks)."""

    block: Block
    text: str


def _option(option: Option) -> dict[str, Any]:
    value = option.value
    if len(value) > MAX_OPTION_VALUE:
        log.warning("an option value is longer than Slack allows; it was cut")
        value = value[:MAX_OPTION_VALUE]
    return {"text": plain(option.label, MAX_OPTION_TEXT), "value": value}


def _options(options: Sequence[Option], limit: int) -> list[dict[str, Any]]:
    if len(options) > limit:
        log.warning("%d options, Slack shows at most %d", len(options), limit)
    return [_option(o) for o in options[:limit]]


def _button(button: Button, seen: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label, MAX_BUTTON_TEXT),
        "action_id": unique_action_id(button.action_id, seen),
    }
    if button.value:
        if len(button.value) > MAX_BUTTON_VALUE:
            log.warning("a button value is longer than Slack allows; it was cut")
        out["value"] = button.value[:MAX_BUTTON_VALUE]
    if button.style != "default":
        out["style"] = button.style
    if button.url:
        out["url"] = button.url[:MAX_URL]
    return out


def is_data_image(image: Image) -> bool:
    """True for a ``data:image/...;base64,...`` image, which Slack only takes as an upload."""
    return image.url.startswith(DATA_IMAGE_PREFIX)


def _text_blocks(text: str) -> list[Rendered]:
    return [
        Rendered({"type": "section", "text": mrkdwn(piece)}, piece)
        for piece in split_text(text, MAX_SECTION_TEXT)
    ]


def _note_blocks(text: str) -> list[Rendered]:
    return [
        Rendered({"type": "context", "elements": [mrkdwn(piece)]}, piece)
        for piece in split_text(text, MAX_SECTION_TEXT)
    ]


def _element_blocks(element: Element) -> list[Rendered]:
    """The blocks for one neutral element."""
    text = element_text(element)
    match element:
        case Text(text=body):
            return _text_blocks(body)
        case Heading(text=title):
            return [Rendered({"type": "header", "text": plain(title, MAX_HEADER)}, text)]
        case Note(text=body):
            return _note_blocks(body)
        case Divider():
            return [Rendered({"type": "divider"}, "")]
        case Fields(items=items):
            cells = [mrkdwn(cut(f"*{label}*\n{value}", MAX_FIELD_TEXT)) for label, value in items]
            return [
                Rendered({"type": "section", "fields": cells[i : i + MAX_FIELDS]}, text)
                for i in range(0, len(cells), MAX_FIELDS)
            ] or [Rendered({"type": "divider"}, "")]
        case Image(url=url, alt=alt):
            if is_data_image(element):
                return _note_blocks(alt) if alt else []
            alt_text = cut(unescape(alt), MAX_ALT_TEXT) or " "
            image = {"type": "image", "image_url": url[:MAX_URL], "alt_text": alt_text}
            return [Rendered(image, alt)]
        case Actions(buttons=buttons):
            rendered = []
            for i in range(0, len(buttons), MAX_BUTTONS):
                seen: dict[str, int] = {}
                row = [_button(b, seen) for b in buttons[i : i + MAX_BUTTONS]]
                rendered.append(Rendered({"type": "actions", "elements": row}, text))
            return rendered
        case Choice(label=label, action_id=action_id, options=options):
            section: Block = {"type": "section", "text": mrkdwn(cut(label, MAX_SECTION_TEXT))}
            if options:
                section["accessory"] = {
                    "type": "static_select",
                    "action_id": cut(action_id, MAX_ACTION_ID),
                    "placeholder": plain(label, MAX_PLACEHOLDER),
                    "options": _options(options, MAX_OPTIONS),
                }
            return [Rendered(section, text)]
    raise TypeError(f"unknown element {type(element).__name__}")


def render_elements(elements: Iterable[Element]) -> list[Rendered]:
    """Every element as blocks, in order."""
    out: list[Rendered] = []
    for element in elements:
        out += _element_blocks(element)
    return out


def _fallback(texts: Iterable[str]) -> str:
    """A notification text; never blank, which Slack refuses."""
    text = "\n\n".join(t for t in texts if t and t.strip())
    return cut(text, MAX_FALLBACK_TEXT) if text.strip() else "…"


def message_payloads(message: Message, cut_note: str) -> list[dict[str, Any]]:
    """The message as one or more Slack messages (``text`` + ``blocks``), each within limits.

    Beyond ``MAX_MESSAGES`` messages the rest is dropped and ``cut_note`` closes the last one.
    """
    rendered = render_elements(message.elements)
    if not rendered:
        return [{"text": _fallback([message.text or message_text(message)])}]
    chunks = [
        rendered[i : i + MAX_MESSAGE_BLOCKS] for i in range(0, len(rendered), MAX_MESSAGE_BLOCKS)
    ]
    if len(chunks) > MAX_MESSAGES:
        chunks = chunks[:MAX_MESSAGES]
        chunks[-1] = [*chunks[-1][: MAX_MESSAGE_BLOCKS - 1], *_note_blocks(cut_note)[:1]]
    payloads = []
    for i, chunk in enumerate(chunks):
        texts = [message.text] if i == 0 and message.text.strip() else [r.text for r in chunk]
        payloads.append({"text": _fallback(texts), "blocks": [r.block for r in chunk]})
    return payloads


def _fit(rendered: list[Rendered], room: int, cut_note: str) -> list[Block]:
    """At most ``room`` blocks; when some are dropped, the last one says so."""
    if len(rendered) <= room:
        return [r.block for r in rendered]
    if room <= 0:
        return []
    return [r.block for r in rendered[: room - 1]] + [_note_blocks(cut_note)[0].block]


def home_view(message: Message, cut_note: str) -> dict[str, Any]:
    """The App Home tab for a neutral message."""
    blocks = _fit(render_elements(message.elements), MAX_VIEW_BLOCKS, cut_note)
    return {"type": "home", "blocks": blocks or [r.block for r in _text_blocks(" ")]}


def notice_view(title: str, text: str, close: str) -> dict[str, Any]:
    """A modal that only says something (work in progress, done, refused)."""
    return {
        "type": "modal",
        "title": plain(title, MAX_TITLE),
        "close": plain(close, MAX_TITLE),
        "blocks": [r.block for r in _text_blocks(text)][:MAX_VIEW_BLOCKS],
    }


# --- forms -----------------------------------------------------------------------------------


def _initial_values(f: FormField) -> tuple[str, ...]:
    if f.initial is None:
        return ()
    return tuple(f.initial) if isinstance(f.initial, tuple) else (f.initial,)


def _select(f: FormField, multi: bool) -> dict[str, Any]:
    options = _options(f.options, MAX_OPTIONS)
    element: dict[str, Any] = {
        "type": "multi_static_select" if multi else "static_select",
        "action_id": f.name,
        "options": options,
    }
    if f.placeholder:
        element["placeholder"] = plain(f.placeholder, MAX_PLACEHOLDER)
    chosen = [o for o in options if o["value"] in _initial_values(f)]
    if chosen and multi:
        element["initial_options"] = chosen
    elif chosen:
        element["initial_option"] = chosen[0]
    return element


def _choices(f: FormField, kind: str) -> dict[str, Any]:
    options = _options(f.options, MAX_CHOICES_SHOWN)
    element: dict[str, Any] = {"type": kind, "action_id": f.name, "options": options}
    chosen = [o for o in options if o["value"] in _initial_values(f)]
    if chosen and kind == "checkboxes":
        element["initial_options"] = chosen
    elif chosen:
        element["initial_option"] = chosen[0]
    return element


def _checkbox(f: FormField) -> dict[str, Any]:
    """A single tick box whose value is ``yes`` when ticked."""
    option = {"text": plain(f.placeholder or f.label, MAX_OPTION_TEXT), "value": CHECKED}
    element: dict[str, Any] = {"type": "checkboxes", "action_id": f.name, "options": [option]}
    initial = _initial_values(f)
    if initial and initial[0].lower() in (CHECKED, "true", "on", "1"):
        element["initial_options"] = [option]
    return element


def _text_input(f: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": f.name}
    if f.kind == "textarea":
        element["multiline"] = True
    limit = min(f.max_length or MAX_TEXT_INPUT, MAX_TEXT_INPUT)
    element["max_length"] = limit
    initial = _initial_values(f)
    if initial and initial[0]:
        element["initial_value"] = initial[0][:limit]
    if f.placeholder:
        element["placeholder"] = plain(f.placeholder, MAX_PLACEHOLDER)
    return element


def _number_input(f: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": f.name,
        "is_decimal_allowed": False,
    }
    if f.min_value is not None:
        element["min_value"] = str(f.min_value)
    if f.max_value is not None:
        element["max_value"] = str(f.max_value)
    initial = _initial_values(f)
    if initial and initial[0].lstrip("-").isdigit():
        element["initial_value"] = initial[0]
    if f.placeholder:
        element["placeholder"] = plain(f.placeholder, MAX_PLACEHOLDER)
    return element


def input_element(f: FormField) -> dict[str, Any]:
    """The Block Kit input element for a form field."""
    match f.kind:
        case "select":
            return _select(f, multi=False)
        case "multiselect":
            return _select(f, multi=True)
        case "radio":
            if len(f.options) > MAX_CHOICES_SHOWN:
                return _select(f, multi=False)
            return _choices(f, "radio_buttons")
        case "checkbox":
            if f.options:
                return _choices(f, "checkboxes")
            return _checkbox(f)
        case "number":
            return _number_input(f)
    return _text_input(f)


def _field_blocks(f: FormField) -> list[Block]:
    block: Block = {
        "type": "input",
        "block_id": f.name,
        "label": plain(f.label, MAX_LABEL),
        "element": input_element(f),
        "optional": not f.required,
    }
    if f.hint:
        block["hint"] = plain(f.hint, MAX_LABEL)
    blocks = [block]
    if f.error:
        blocks.append({"type": "context", "elements": [mrkdwn(cut(f"⚠️ {f.error}", 3000))]})
    return blocks


def modal_view(form: Form, private_metadata: str, cut_note: str) -> dict[str, Any]:
    """The modal for a form: intro blocks, then one input block per field.

    ``callback_id`` is the form id; field names are the input blocks' ids, so
    ``view.state.values`` and ``response_action: errors`` speak in field names.
    """
    fields: list[Block] = []
    for f in form.fields:
        fields += _field_blocks(f)
    if len(fields) > MAX_VIEW_BLOCKS:
        raise ValueError(f"form {form.form_id!r} has more fields than a Slack modal can show")
    intro = _fit(render_elements(form.intro), MAX_VIEW_BLOCKS - len(fields), cut_note)
    return {
        "type": "modal",
        "callback_id": cut(form.form_id, 255),
        "title": plain(form.title, MAX_TITLE),
        "submit": plain(form.submit_label, MAX_TITLE),
        "close": plain(form.cancel_label, MAX_TITLE),
        "private_metadata": private_metadata,
        "blocks": intro + fields or [r.block for r in _text_blocks(" ")],
    }


def errors_response(intent: FormErrors) -> dict[str, Any] | None:
    """``response_action: errors`` keyed by field name, or None when an error names no field."""
    names = {f.name for f in intent.form.fields}
    if not intent.errors or any(name not in names for name in intent.errors):
        return None
    return {
        "response_action": "errors",
        "errors": {
            name: cut(unescape(text), MAX_ERROR_TEXT) for name, text in intent.errors.items()
        },
    }


# --- images ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A ``data:`` image to upload as a file next to the message."""

    content: bytes
    filename: str
    alt: str


def data_images(message: Message) -> list[Upload]:
    """The message's ``data:image/...;base64,`` images, decoded."""
    uploads: list[Upload] = []
    for element in message.elements:
        if not (isinstance(element, Image) and is_data_image(element)):
            continue
        header, _, data = element.url.partition(",")
        if not header.endswith(";base64"):
            log.warning("skipped a data: image that is not base64")
            continue
        extension = header[len(DATA_IMAGE_PREFIX) : -len(";base64")].split("+")[0] or "png"
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            log.warning("skipped a data: image that does not decode")
            continue
        name = f"chart-{len(uploads) + 1}.{extension}"
        uploads.append(Upload(content, name, unescape(element.alt)))
    return uploads
