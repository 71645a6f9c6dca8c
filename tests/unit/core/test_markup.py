"""Neutral markup: catalog texts are trusted, values placed into them are escaped once."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.i18n import LANGUAGES, load_catalog, translator
from bot.core.markup import Markup, escape, unescape

ENTITY = re.compile(r"&(amp|lt|gt);")
#: The markup's own constructs: links and mentions (what a catalog text may hold with a "<").
CONSTRUCT = re.compile(r"<(https?://[^|>\s]+(\|[^>]+)?|@[^|>\s]+(\|[^>]+)?)>")


@given(st.text())
def test_escaping_shows_any_text_as_typed(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert ENTITY.sub("", escaped).count("&") == 0  # every & starts an entity
    assert unescape(escaped) == text


@given(st.text())
def test_markup_is_never_escaped_twice(text: str) -> None:
    once = escape(text)
    assert escape(once) is once
    assert Markup(", ").join([once, text]) == f"{once}, {escape(text)}"


def test_the_translator_escapes_values_but_not_markup_nor_numbers() -> None:
    t = translator("en")
    said = t("unknown.none", word="<!channel> & <@U1>")
    assert isinstance(said, Markup)
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in said
    nested = t("language.done", language=t("unknown.none", word="<b>"))
    assert "&amp;lt;" not in nested and "&lt;b&gt;" in nested
    assert t("match.pair.ended", id=12) == t("match.pair.ended", id="12")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_texts_are_markup(lang: str) -> None:
    # A literal <, > or & in a catalog must be written as an entity, as Slack wants it.
    for message in load_catalog(lang):
        if not message.id or not isinstance(message.string, str):
            continue
        text = CONSTRUCT.sub("", message.string)
        assert "<" not in text and ">" not in text, (message.id, message.string)
        assert ENTITY.sub("", text).count("&") == 0, (message.id, message.string)
