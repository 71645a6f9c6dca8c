"""Neutral messages and forms → Teams activities with Adaptive Cards (version 1.5). Pure.

Texts are neutral markup (``bot.core.markup``): text blocks and facts get Teams markdown
(``markdown.to_teams``), slots Teams shows as typed (titles, labels, choices, placeholders,
summaries) get plain text (``markdown.plain``).

A message of plain paragraphs becomes a markdown text message; anything richer (headings,
fields, buttons, images, choices) becomes an Adaptive Card, with the plain text as the card's
``fallbackText`` and the activity's ``summary`` (what notifications show). A form becomes a
card of inputs whose ``Action.Submit`` carries the routing data (form id, dialogue state) under
``translate.META``; errors are shown on the card, next to their field.

Teams refuses messages above about 28 KB, so cards are fitted under :data:`MAX_CARD_BYTES`:
an image drawn for high-density screens is first sent at its display size, then images go
(their alt text stays), then long texts are shortened.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Literal

from PIL import Image as PILImage

from adapters.teams.markdown import (
    Mention,
    literal,
    mention_entities,
    mentions,
    plain,
    to_teams,
)
from adapters.teams.translate import CHOICE_PREFIX, META
from bot.core.i18n import Translator
from bot.core.model import (
    Actions,
    Button,
    Choice,
    Divider,
    Element,
    Fields,
    Form,
    FormField,
    Heading,
    Image,
    Message,
    Note,
    Text,
)
from bot.core.plaintext import form_text, message_text

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
#: Teams answers 413 above ~28 KB per message; leave room for the activity around the card.
MAX_CARD_BYTES = 26 * 1024
MAX_MESSAGE_CHARS = 20_000
SUMMARY_CHARS = 200
FALLBACK_CHARS = 2_000
#: Up to this many options a multi-select shows as checkboxes, above it as a compact list.
EXPANDED_MULTI_MAX = 6
_IMAGE_PREFIXES = ("https://", "data:image/png;base64,", "data:image/jpeg;base64,")
_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}

JSON = dict[str, Any]


def card_bytes(content: Mapping[str, Any]) -> int:
    """The size of a card as Teams receives it (compact UTF-8 JSON)."""
    return len(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode())


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def _text_blocks(text: str, limit: int | None, **style: Any) -> list[JSON]:
    """One block per line: Teams renders single newlines inside a block inconsistently."""
    blocks: list[JSON] = []
    for p, paragraph in enumerate(text.strip().split("\n\n")):
        for n, line in enumerate(ln for ln in paragraph.split("\n") if ln.strip()):
            block: JSON = {"type": "TextBlock", "text": _cut(to_teams(line, in_card=True), limit)}
            block["wrap"] = True
            block.update(style)
            if n > 0:
                block["spacing"] = "none"
            elif p > 0:
                block["spacing"] = "medium"
            blocks.append(block)
    return blocks


def _submit(title: str, data: JSON, style: str = "default") -> JSON:
    action: JSON = {"type": "Action.Submit", "title": plain(title)[:80], "data": data}
    if style != "default":
        action["style"] = style
    return action


def button_action(button: Button) -> JSON:
    """A neutral button as ``Action.OpenUrl`` (link) or ``Action.Submit`` (callback)."""
    if button.url:
        return {"type": "Action.OpenUrl", "title": plain(button.label)[:80], "url": button.url}
    data = {META: {"type": "action", "action": button.action_id, "value": button.value}}
    return _submit(button.label, data, _BUTTON_STYLES.get(button.style, "default"))


def _image_allowed(url: str) -> bool:
    return url.startswith(_IMAGE_PREFIXES)


# How images go into a card: as they are, at their display size, or not at all.
Images = Literal["full", "display", "none"]


@lru_cache(maxsize=8)
def _at_display_size(url: str, width: int) -> str:
    """A PNG data URL scaled down to ``width`` pixels (a 2x chart at 1x), or ``url`` as is."""
    prefix = "data:image/png;base64,"
    if not url.startswith(prefix):
        return url
    try:
        image = PILImage.open(io.BytesIO(base64.b64decode(url[len(prefix) :])))
        if image.width <= width:
            return url
        height = max(1, round(image.height * width / image.width))
        small = image.convert("RGB").resize((width, height), PILImage.Resampling.BOX)
        out = io.BytesIO()
        small.quantize(colors=16).save(out, format="PNG", optimize=True)  # flat colours: small
    except (OSError, ValueError):
        return url
    return prefix + base64.b64encode(out.getvalue()).decode("ascii")


def _element(element: Element, t: Translator, images: Images, limit: int | None) -> list[JSON]:
    match element:
        case Text(text=text):
            return _text_blocks(text, limit)
        case Heading(text=text):
            return [
                {
                    "type": "TextBlock",
                    "text": _cut(to_teams(text, in_card=True), limit),
                    "wrap": True,
                    "size": "medium",
                    "weight": "bolder",
                    "style": "heading",
                }
            ]
        case Note(text=text):
            return _text_blocks(text, limit, isSubtle=True, size="small")
        case Fields(items=items):
            if not items:
                return []
            facts = [
                {"title": _cut(plain(k), 80), "value": _cut(to_teams(v, in_card=True), limit)}
                for k, v in items
            ]
            return [{"type": "FactSet", "facts": facts}]
        case Divider():
            return [{"type": "Container", "items": [], "separator": True, "spacing": "medium"}]
        case Image(url=url, alt=alt, width=width):
            if images != "none" and _image_allowed(url):
                if images == "display" and width:
                    url = _at_display_size(url, width)
                image = {"type": "Image", "url": url, "altText": plain(alt)[:300]}
                return [{**image, "size": "stretch"}]
            return _text_blocks(alt, limit, isSubtle=True) if alt else []
        case Actions(buttons=buttons):
            if not buttons:
                return []
            return [{"type": "ActionSet", "actions": [button_action(b) for b in buttons]}]
        case Choice(label=label, action_id=action_id, options=options):
            choice_set: JSON = {
                "type": "Input.ChoiceSet",
                "id": CHOICE_PREFIX + action_id,
                "label": plain(label)[:200],
                "style": "compact",
                "isRequired": True,
                "errorMessage": plain(t("form.error.required")),
                "choices": [{"title": plain(o.label)[:200], "value": o.value} for o in options],
            }
            data = {META: {"type": "choice", "action": action_id}}
            ok = {"type": "ActionSet", "actions": [_submit(t("teams.choice.submit"), data)]}
            return [choice_set, ok]
    raise TypeError(f"unknown element {type(element).__name__}")


def _card(body: list[JSON], fallback: str, actions: list[JSON] | None = None) -> JSON:
    card: JSON = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    # Plain text, which a client may still read as markdown: no link can start in it.
    card["fallbackText"] = _cut(literal(fallback), FALLBACK_CHARS)
    return card


_FITTING: tuple[tuple[Images, int | None], ...] = (
    ("full", None),
    ("display", None),
    ("none", None),
    ("none", 1000),
    ("none", 300),
    ("none", 80),
)


def _fit(build: Callable[[Images, int | None], JSON]) -> JSON:
    """The richest rendering under the size limit: smaller images, none, then shorter texts."""
    card: JSON = {}
    for images, limit in _FITTING:
        card = build(images, limit)
        if card_bytes(card) <= MAX_CARD_BYTES:
            return card
    return card


def _mentions(elements: tuple[Element, ...]) -> list[Mention]:
    found: list[Mention] = []
    for element in elements:
        match element:
            case Text(text=text) | Heading(text=text) | Note(text=text):
                texts = [text]
            case Fields(items=items):
                texts = [value for _label, value in items]
            case _:
                texts = []
        for text in texts:
            found += [m for m in mentions(text) if m not in found]
    return found


def is_plain(message: Message) -> bool:
    """True when the message is only paragraphs: it is sent as text, without a card."""
    return bool(message.elements) and all(isinstance(e, Text | Note) for e in message.elements)


def message_card(message: Message, t: Translator) -> JSON:
    """The Adaptive Card of a neutral message."""
    fallback = plain(message_text(message))

    def build(images: Images, limit: int | None) -> JSON:
        body = [block for e in message.elements for block in _element(e, t, images, limit)]
        return _card(body or _text_blocks(message.text or " ", limit), fallback)

    card = _fit(build)
    found = _mentions(message.elements)
    if found:
        # Teams' extension to Adaptive Cards: <at>Name</at> in a text block needs this entity.
        card["msteams"] = {"entities": mention_entities(found)}
    return card


def card_activity(card: JSON, summary: str) -> JSON:
    """A message activity carrying one Adaptive Card."""
    activity: JSON = {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD}]}
    activity["attachments"][0]["content"] = card
    if summary.strip():
        activity["summary"] = _cut(literal(" ".join(summary.split())), SUMMARY_CHARS)
    return activity


def message_activity(message: Message, t: Translator) -> JSON:
    """A neutral message as a Teams message: markdown text, or an Adaptive Card."""
    if is_plain(message):
        text = "\n\n".join(to_teams(e.text) for e in message.elements if isinstance(e, Text | Note))
        activity: JSON = {"type": "message", "textFormat": "markdown"}
        activity["text"] = _cut(text, MAX_MESSAGE_CHARS)
        found = _mentions(message.elements)
        if found:
            activity["entities"] = mention_entities(found)
        return activity
    summary = plain(message.text or message_text(message))
    return card_activity(message_card(message, t), summary)


def notice_activity(text: str) -> JSON:
    """A one-line card, to replace a form or a card whose buttons are no longer valid."""
    return card_activity(_card(_text_blocks(text, None), plain(text)), plain(text))


# --- forms ----------------------------------------------------------------------------------------


def _choices_need_indices(f: FormField) -> bool:
    # A multi-select answers "a,b": values containing a comma travel as their index instead.
    return f.kind == "multiselect" and any("," in o.value for o in f.options)


def _initial_list(f: FormField) -> list[str]:
    if isinstance(f.initial, tuple):
        return list(f.initial)
    return [f.initial] if f.initial else []


def _input(f: FormField, t: Translator) -> JSON:
    common: JSON = {"id": f.name}
    if f.kind != "checkbox":
        common["label"] = plain(f.label)[:200]
    if f.required and f.kind != "checkbox":
        common["isRequired"] = True
        common["errorMessage"] = plain(t("form.error.required"))
    if f.kind in ("text", "textarea"):
        field: JSON = {"type": "Input.Text", **common}
        if f.kind == "textarea":
            field["isMultiline"] = True
        if f.max_length:
            field["maxLength"] = f.max_length
        if f.placeholder:
            field["placeholder"] = plain(f.placeholder)[:150]
        if isinstance(f.initial, str) and f.initial:
            field["value"] = f.initial
        return field
    if f.kind == "number":
        field = {"type": "Input.Number", **common}
        if f.min_value is not None:
            field["min"] = f.min_value
        if f.max_value is not None:
            field["max"] = f.max_value
        if isinstance(f.initial, str) and f.initial.lstrip("-").isdigit():
            field["value"] = int(f.initial)
        if f.placeholder:
            field["placeholder"] = plain(f.placeholder)[:150]
        return field
    if f.kind == "checkbox":
        ticked = isinstance(f.initial, str) and f.initial.lower() in ("yes", "true", "on", "1")
        return {
            "type": "Input.Toggle",
            **common,
            "title": plain(f.label)[:300],
            "valueOn": "yes",
            "valueOff": "no",
            "value": "yes" if ticked else "no",
            "wrap": True,
        }
    indexed = _choices_need_indices(f)
    choices = [
        {"title": plain(o.label)[:200], "value": str(i) if indexed else o.value}
        for i, o in enumerate(f.options)
    ]
    field = {"type": "Input.ChoiceSet", **common, "choices": choices, "wrap": True}
    if f.kind == "multiselect":
        field["isMultiSelect"] = True
        field["style"] = "expanded" if len(f.options) <= EXPANDED_MULTI_MAX else "compact"
    else:
        field["style"] = "expanded" if f.kind == "radio" else "compact"
        if f.placeholder and f.kind == "select":
            field["placeholder"] = plain(f.placeholder)[:150]
    initial = _initial_list(f)
    if indexed:
        positions = {o.value: str(i) for i, o in enumerate(f.options)}
        initial = [positions[v] for v in initial if v in positions]
    if initial:
        field["value"] = ",".join(initial) if f.kind == "multiselect" else initial[0]
    return field


def _form_meta(form: Form) -> JSON:
    meta: JSON = {"type": "form", "form": form.form_id, "state": form.state}
    multi = [f.name for f in form.fields if f.kind == "multiselect"]
    if multi:
        meta["multi"] = multi
    maps = {f.name: [o.value for o in f.options] for f in form.fields if _choices_need_indices(f)}
    if maps:
        meta["maps"] = maps
    return meta


def form_card(form: Form, t: Translator, errors: Mapping[str, str] | None = None) -> JSON:
    """The Adaptive Card of a form; ``errors`` (by field name) are shown under their field."""
    errors = dict(errors or {})
    fallback = plain(form_text(form))

    def build(images: Images, limit: int | None) -> JSON:
        body: list[JSON] = _element(Heading(form.title), t, images, limit)
        for element in form.intro:
            body += _element(element, t, images, limit)
        if errors or any(f.error for f in form.fields):
            body.append(
                {
                    "type": "TextBlock",
                    "text": t("teams.form.fix_errors"),
                    "wrap": True,
                    "color": "attention",
                    "weight": "bolder",
                }
            )
        for f in form.fields:
            body.append(_input(f, t))
            if f.hint:
                body += _text_blocks(f.hint, limit, isSubtle=True, size="small")
                body[-1]["spacing"] = "small"
            error = errors.get(f.name) or f.error
            if error:
                body.append(
                    {
                        "type": "TextBlock",
                        "text": _cut(to_teams(error, in_card=True), limit),
                        "wrap": True,
                        "color": "attention",
                        "size": "small",
                        "spacing": "small",
                    }
                )
        actions = [
            _submit(form.submit_label, {META: _form_meta(form)}, "positive"),
            {
                **_submit(form.cancel_label, {META: {"type": "cancel", "form": form.form_id}}),
                "associatedInputs": "none",
            },
        ]
        return _card(body, fallback, actions)

    return _fit(build)


def form_activity(form: Form, t: Translator, errors: Mapping[str, str] | None = None) -> JSON:
    """A form as a Teams message with its card."""
    return card_activity(form_card(form, t, errors), plain(form.title))
