"""A focused Adaptive Card 1.5 validator: the element types the bot uses, checked strictly.

The official JSON schema (adaptive-card.json, version 1.5) forbids unknown properties on every
element and action, requires a few of them, and restricts the style enums; this module checks
the same rules for the types the bot produces, and refuses any other type (a type from a later
version, e.g. ``Input.Rating`` from 1.6, or ``Action.Execute``, which Teams routes as an invoke
the bot does not handle). It also checks what Teams adds: the message size limit and that
input ids are unique, and that every ``<at>Name</at>`` has its mention entity (in the card's
``msteams.entities``, or the message's ``entities``). ``problems(card)`` lists what is wrong;
``assert_valid_card`` fails a test.

Every card is also validated against the official schema, vendored in ``schema/``
(``schema_problems``): the rules above say *why* Teams refuses a card in words a test
can assert on, the schema makes sure nothing the focused rules miss slips through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "adaptive-card-1.5.json"

MAX_VERSION = (1, 5)
TEAMS_MAX_MESSAGE_BYTES = 28 * 1024

_ELEMENT = {"type", "id", "spacing", "separator", "height", "isVisible", "fallback", "requires"}
_INPUT = _ELEMENT | {"label", "isRequired", "errorMessage"}
_ACTION = {"type", "title", "iconUrl", "id", "style", "fallback", "tooltip", "isEnabled", "mode"}
_ACTION |= {"requires"}

ELEMENTS: dict[str, tuple[set[str], set[str]]] = {
    "TextBlock": (
        _ELEMENT
        | {"text", "color", "fontType", "horizontalAlignment", "isSubtle", "maxLines"}
        | {"size", "weight", "wrap", "style"},
        {"text"},
    ),
    "FactSet": (_ELEMENT | {"facts"}, {"facts"}),
    "Image": (
        _ELEMENT
        | {"url", "altText", "backgroundColor", "horizontalAlignment", "selectAction"}
        | {"size", "style", "width"},
        {"url"},
    ),
    "Container": (
        _ELEMENT
        | {"items", "selectAction", "style", "verticalContentAlignment", "bleed"}
        | {"backgroundImage", "minHeight", "rtl"},
        {"items"},
    ),
    "ActionSet": (_ELEMENT | {"actions"}, {"actions"}),
    "Input.Text": (
        _INPUT
        | {"isMultiline", "maxLength", "placeholder", "regex", "style", "inlineAction"}
        | {"value"},
        {"id"},
    ),
    "Input.Number": (_INPUT | {"max", "min", "placeholder", "value"}, {"id"}),
    "Input.ChoiceSet": (
        _INPUT | {"choices", "isMultiSelect", "style", "value", "placeholder", "wrap"},
        {"id", "choices"},
    ),
    "Input.Toggle": (_INPUT | {"title", "value", "valueOff", "valueOn", "wrap"}, {"id", "title"}),
}
ACTIONS: dict[str, tuple[set[str], set[str]]] = {
    "Action.Submit": (_ACTION | {"data", "associatedInputs"}, set()),
    "Action.OpenUrl": (_ACTION | {"url"}, {"url"}),
}
CARD_PROPERTIES = {
    "type",
    "version",
    "body",
    "actions",
    "selectAction",
    "fallbackText",
    "backgroundImage",
    "minHeight",
    "rtl",
    "speak",
    "lang",
    "verticalContentAlignment",
    "$schema",
    "refresh",
    "authentication",
    "msteams",  # Teams' host extension: mention entities, width
}

ENUMS: dict[str, set[str]] = {
    "size": {"default", "small", "medium", "large", "extralarge"},
    "weight": {"default", "lighter", "bolder"},
    "color": {"default", "dark", "light", "accent", "good", "warning", "attention"},
    "spacing": {"default", "none", "small", "medium", "large", "extralarge", "padding"},
    "fontType": {"default", "monospace"},
    "horizontalAlignment": {"left", "center", "right"},
    "associatedInputs": {"auto", "none"},
}
STYLES: dict[str, set[str]] = {
    "TextBlock": {"default", "heading"},
    "Container": {"default", "emphasis", "good", "attention", "warning", "accent"},
    "Input.ChoiceSet": {"compact", "expanded", "filtered"},
    "Input.Text": {"text", "tel", "url", "email", "password"},
    "Image": {"default", "person"},
    "Action.Submit": {"default", "positive", "destructive"},
    "Action.OpenUrl": {"default", "positive", "destructive"},
}
IMAGE_SIZES = {"auto", "stretch", "small", "medium", "large"}
BOOLEANS = {"wrap", "isSubtle", "separator", "isRequired", "isMultiline", "isMultiSelect"}
BOOLEANS |= {"isVisible", "bleed"}
NUMBERS = {"maxLength", "maxLines", "min", "max"}
STRINGS = {"text", "label", "errorMessage", "placeholder", "title", "altText", "url", "id"}
STRINGS |= {"valueOn", "valueOff", "fallbackText", "speak", "lang", "regex"}


def _version(text: object) -> tuple[int, ...] | None:
    if not isinstance(text, str):
        return None
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.input_ids: list[str] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def properties(
        self, where: str, item: Mapping[str, Any], allowed: set[str], required: set[str]
    ) -> None:
        for key in sorted(set(item) - allowed):
            self.fail(where, f"property {key!r} is not allowed")
        for key in sorted(required - set(item)):
            self.fail(where, f"property {key!r} is required")
        for key, value in item.items():
            if key in BOOLEANS and not isinstance(value, bool):
                self.fail(where, f"{key} must be a boolean")
            elif key in NUMBERS and (isinstance(value, bool) or not isinstance(value, int | float)):
                self.fail(where, f"{key} must be a number")
            elif key in STRINGS and not isinstance(value, str):
                self.fail(where, f"{key} must be a string")
            elif key == "size" and item.get("type") == "Image":
                continue  # image sizes are checked with the image
            elif key in ENUMS and str(value).lower() not in ENUMS[key]:
                self.fail(where, f"{key}={value!r} is not one of {sorted(ENUMS[key])}")

    def style(self, where: str, kind: str, item: Mapping[str, Any]) -> None:
        if "style" in item and str(item["style"]).lower() not in STYLES.get(kind, set()):
            self.fail(where, f"style={item['style']!r} is not valid for {kind}")

    def action(self, where: str, action: object) -> None:
        if not isinstance(action, dict):
            self.fail(where, "an action must be an object")
            return
        kind = action.get("type")
        if kind not in ACTIONS:
            self.fail(where, f"action type {kind!r} is not supported (1.5, Teams, Submit/OpenUrl)")
            return
        allowed, required = ACTIONS[kind]
        self.properties(where, action, allowed, required)
        self.style(where, kind, action)
        if "data" in action and not isinstance(action["data"], dict | str):
            self.fail(where, "data must be an object or a string")
        if kind == "Action.OpenUrl" and not str(action.get("url", "")).startswith("https://"):
            self.fail(where, "Action.OpenUrl needs an https URL")

    def element(self, where: str, element: object) -> None:
        if not isinstance(element, dict):
            self.fail(where, "an element must be an object")
            return
        kind = element.get("type")
        if kind not in ELEMENTS:
            self.fail(where, f"element type {kind!r} is not supported")
            return
        where = f"{where}<{kind}>"
        allowed, required = ELEMENTS[kind]
        self.properties(where, element, allowed, required)
        self.style(where, kind, element)
        if kind.startswith("Input."):
            self.input_ids.append(str(element.get("id")))
        if kind == "FactSet":
            facts = element.get("facts")
            if not isinstance(facts, list) or not facts:
                self.fail(where, "facts must be a non-empty list")
            for n, fact in enumerate(facts or []):
                if not isinstance(fact, dict) or set(fact) != {"title", "value"}:
                    self.fail(f"{where}.facts[{n}]", "a fact has exactly a title and a value")
                elif not all(isinstance(v, str) for v in fact.values()):
                    self.fail(f"{where}.facts[{n}]", "title and value are strings")
        elif kind == "Image":
            url = str(element.get("url", ""))
            if not url.startswith(
                ("https://", "data:image/png;base64,", "data:image/jpeg;base64,")
            ):
                self.fail(where, "an image needs an https or a base64 data URL")
            if "size" in element and str(element["size"]).lower() not in IMAGE_SIZES:
                self.fail(where, f"size={element['size']!r} is not an image size")
        elif kind == "Container":
            for n, item in enumerate(element.get("items") or []):
                self.element(f"{where}.items[{n}]", item)
        elif kind == "ActionSet":
            actions = element.get("actions")
            if not isinstance(actions, list) or not actions:
                self.fail(where, "actions must be a non-empty list")
            for n, action in enumerate(actions or []):
                self.action(f"{where}.actions[{n}]", action)
        elif kind == "Input.ChoiceSet":
            self.choice_set(where, element)
        elif kind == "Input.Text" and not isinstance(element.get("value", ""), str):
            self.fail(where, "value must be a string")
        elif kind == "Input.Number" and not isinstance(element.get("value", 0), int | float):
            self.fail(where, "value must be a number")
        elif kind == "Input.Toggle" and "value" in element:
            on, off = element.get("valueOn", "true"), element.get("valueOff", "false")
            if element["value"] not in (on, off):
                self.fail(where, "value must be valueOn or valueOff")

    def choice_set(self, where: str, element: Mapping[str, Any]) -> None:
        choices = element.get("choices")
        if not isinstance(choices, list) or not choices:
            self.fail(where, "choices must be a non-empty list")
            return
        values = []
        for n, choice in enumerate(choices):
            if not isinstance(choice, dict) or set(choice) - {"type", "title", "value"}:
                self.fail(f"{where}.choices[{n}]", "a choice has a title and a value only")
                continue
            if not isinstance(choice.get("title"), str) or not isinstance(choice.get("value"), str):
                self.fail(f"{where}.choices[{n}]", "title and value are required strings")
                continue
            values.append(choice["value"])
            if element.get("isMultiSelect") and "," in choice["value"]:
                self.fail(f"{where}.choices[{n}]", "a multi-select value cannot hold a comma")
        if "value" in element:
            chosen = (
                str(element["value"]).split(",")
                if element.get("isMultiSelect")
                else [element["value"]]
            )
            for value in chosen:
                if value not in values:
                    self.fail(where, f"initial value {value!r} is not one of the choices")


@cache
def _schema_validator() -> Draft6Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    # Validate against the AdaptiveCard definition itself: its errors name the faulty part.
    card_schema = {"$ref": "#/definitions/AdaptiveCard", "definitions": schema["definitions"]}
    return Draft6Validator(card_schema)


def schema_problems(card: object) -> list[str]:
    """What the official Adaptive Cards 1.5 schema finds wrong with ``card``.

    ``msteams`` is Teams' host extension, not part of the card format: it is left out
    here and checked by :func:`problems`.
    """
    if isinstance(card, dict):
        card = {k: v for k, v in card.items() if k != "msteams"}
    errors = list(_schema_validator().iter_errors(card))
    if not errors:
        return []
    best = best_match(errors)
    where = "/".join(str(p) for p in best.absolute_path) or "card"
    return [f"schema: {where}: {best.message[:300]}"]


def problems(card: object) -> list[str]:
    """Everything that makes ``card`` an invalid Adaptive Card 1.5 for Teams (empty if valid)."""
    checker = _Checker()
    if not isinstance(card, dict):
        return ["the card must be an object"]
    checker.problems += schema_problems(card)
    if card.get("type") != "AdaptiveCard":
        checker.fail("card", "type must be AdaptiveCard")
    version = _version(card.get("version"))
    if version is None:
        checker.fail("card", "version is required")
    elif version > MAX_VERSION:
        checker.fail("card", f"version {card['version']} is above 1.5 (Teams' limit)")
    for key in sorted(set(card) - CARD_PROPERTIES):
        checker.fail("card", f"property {key!r} is not allowed")
    body = card.get("body", [])
    if not isinstance(body, list):
        checker.fail("card", "body must be a list")
        body = []
    for n, element in enumerate(body):
        checker.element(f"body[{n}]", element)
    for n, action in enumerate(card.get("actions", [])):
        checker.action(f"actions[{n}]", action)
    if "fallbackText" in card and not isinstance(card["fallbackText"], str):
        checker.fail("card", "fallbackText must be a string")
    msteams = card.get("msteams", {})
    if not isinstance(msteams, dict) or set(msteams) - {"entities", "width"}:
        checker.fail("card", "msteams holds only entities and width")
        msteams = {}
    missing = unmatched_mentions(json.dumps(card.get("body", [])), msteams.get("entities", []))
    if missing:
        checker.fail("card", f"mentions without an entity: {missing}")
    duplicates = {i for i in checker.input_ids if checker.input_ids.count(i) > 1}
    if duplicates:
        checker.fail("card", f"input ids are not unique: {sorted(duplicates)}")
    return checker.problems


_AT = re.compile(r"<at>(.*?)</at>")


def unmatched_mentions(text: str, entities: object) -> list[str]:
    """``<at>…</at>`` tags in ``text`` that no mention entity (with a user id) matches."""
    known = {
        e.get("text")
        for e in (entities if isinstance(entities, list) else [])
        if isinstance(e, dict)
        and e.get("type") == "mention"
        and isinstance(e.get("mentioned"), dict)
        and e["mentioned"].get("id")
    }
    return [tag for tag in _AT.findall(text) if f"<at>{tag}</at>" not in known]


def assert_valid_card(card: object) -> None:
    """Fail with every problem found."""
    found = problems(card)
    assert not found, "invalid Adaptive Card:\n" + "\n".join(found)


def adaptive_cards(activity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Cards attached to an activity."""
    return [
        a["content"]
        for a in activity.get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


def assert_valid_activity(activity: Mapping[str, Any]) -> None:
    """A message Teams would accept: valid cards, a text fallback, under the size limit."""
    size = len(json.dumps(activity, ensure_ascii=False).encode())
    assert size <= TEAMS_MAX_MESSAGE_BYTES, f"message of {size} bytes is above Teams' limit"
    cards = adaptive_cards(activity)
    for card in cards:
        assert_valid_card(card)
        assert card.get("fallbackText"), "a card needs a text fallback"
    assert cards or activity.get("text"), "a message needs a text or a card"
    missing = unmatched_mentions(str(activity.get("text") or ""), activity.get("entities"))
    assert not missing, f"mentions without an entity: {missing}"
