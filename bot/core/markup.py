"""The neutral markup that every human-readable string of the neutral model is written in.

It is Slack's: ``*bold*``, ``_italic_``, ``~strike~``, `` `code` ``, ``<https://…|label>``
links, ``<@USER_ID>`` / ``<@USER_ID|Name>`` mentions and ``•`` bullets. The three characters
``&``, ``<`` and ``>`` standing for themselves are written ``&amp;``, ``&lt;`` and ``&gt;``
(Slack's own rule), so a raw ``<`` always starts markup and nothing a person typed can.

Who writes markup, and who does not:

* catalog texts are trusted (we wrote them); a translated sentence is :class:`Markup`;
* the values placed into them are not: names, programme names, answers, anything a person
  typed or a platform reported. :class:`~bot.core.i18n.Translator` escapes every string
  placeholder value that is not already ``Markup``, and code that puts such a value into a
  message element directly calls :func:`escape`;
* markup the engine builds on purpose (a mention of a partner) is wrapped in ``Markup`` after
  escaping its parts.

Adapters render the markup for their platform (Slack takes it as is) and turn it into plain
text with :func:`unescape` wherever the platform shows text as typed (button labels, titles,
inputs, the local chat's text nodes, a terminal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARACTERS = {"amp": "&", "lt": "<", "gt": ">"}


class Markup(str):
    """A string already in neutral markup: placed as is, never escaped again."""

    __slots__ = ()

    def join(self, parts: Iterable[str]) -> Markup:
        """Join with this separator, escaping the parts that are not markup."""
        return Markup(str.join(self, (escape(part) for part in parts)))


def escape(value: object) -> Markup:
    """A value as markup that shows it as typed: ``&``, ``<`` and ``>`` become entities.

    ``Markup`` is returned unchanged; anything else is turned into a string first.
    """
    if isinstance(value, Markup):
        return value
    return Markup(str(value).translate(_ESCAPES))


def unescape(text: str) -> str:
    """Markup's entities back to the characters they stand for (for plain-text slots)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: _CHARACTERS[m.group(1)], text)
