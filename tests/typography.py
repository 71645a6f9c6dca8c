"""French typography, checked: the spaces French puts where English puts none.

French wants a narrow no-break space (U+202F) before ``;``, ``?`` and ``!``, a
no-break space (U+00A0) before ``:`` and inside guillemets (``« … »``), and a narrow
no-break space between the digit groups of a number (``1 000``, as Babel's
``format_decimal`` writes it for ``fr``). Code spans (``/mentoring aide``), URLs and
times (``10:00``) are left alone.

``french_problems(text)`` lists what breaks these rules; ``english_problems(text)``
what an English text should not have (a space before ``: ; ? !``).
"""

from __future__ import annotations

import re

NNBSP, NBSP = "\u202f", "\u00a0"
_CODE_OR_URL = re.compile(r"`[^`]*`|https?://[^\s)>|]+")
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\u202f?!])[;?!]"), "needs a narrow no-break space (U+202F) before ; ? !"),
    (re.compile(r"(?<![\u00a0\d]):|(?<=\d):(?!\d)"), "needs a no-break space (U+00A0) before :"),
    (re.compile(r"[ \u00a0][;?!]|[ \u202f]:"), "has an ordinary or wrong space before punctuation"),
    (re.compile(r"«(?!\u00a0)|(?<!\u00a0)»"), "needs no-break spaces (U+00A0) inside « »"),
    (re.compile(r"\d[ \u00a0]\d{3}(?!\d)"), "needs a narrow no-break space between digit groups"),
    (re.compile(r"[ \u00a0\u202f]{2,}"), "has two spaces in a row"),
)
_ENGLISH = re.compile(r"[ \u00a0\u202f][:;?!]")


def prose(text: str) -> str:
    """The text without its code spans and URLs (each replaced by a placeholder word)."""
    return _CODE_OR_URL.sub("CODE", text)


def french_problems(text: str) -> list[str]:
    """Where a French text breaks the typography rules: ``"rule: …context…"``."""
    plain = prose(text)
    found = []
    for pattern, rule in _RULES:
        for m in pattern.finditer(plain):
            context = plain[max(0, m.start() - 20) : m.end() + 5]
            found.append(f"{rule}: …{context!r}…")
    return found


def english_problems(text: str) -> list[str]:
    """Where an English text has French spacing (a space before ``: ; ? !``)."""
    plain = prose(text)
    return [f"space before {m.group()[-1]}: {plain!r}" for m in _ENGLISH.finditer(plain)]
