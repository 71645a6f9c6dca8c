"""Small message builders shared by every feature."""

from __future__ import annotations

from bot.core.i18n import Translator
from bot.core.model import Actions, Button, Element, Message, Note, Text


def text_message(text: str, *extra: Element) -> Message:
    """A message of one paragraph (and optional extra elements)."""
    return Message((Text(text), *extra), text=text)


def error_message(t: Translator) -> Message:
    """Something failed: nothing was saved, try again."""
    return text_message(t("error.internal"))


def confirm_message(text: str, buttons: tuple[Button, ...], note: str = "") -> Message:
    """A question with buttons, and an optional small-print note."""
    elements: list[Element] = [Text(text), Actions(buttons)]
    if note:
        elements.append(Note(note))
    return Message(tuple(elements), text=text)
