"""Words in French and English, from gettext catalogs read with Babel.

Every user-facing sentence has a symbolic message id (``help.title``) and a
translation in each ``conversations/locales/<lang>/*.po`` file. Several ``.po``
files per language are merged, so each feature keeps its own catalog. The
catalogs are compiled in memory at start-up: no build step.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.core.markup import Markup, escape

LOCALES_DIR = Path(__file__).resolve().parents[2] / "conversations" / "locales"
LANGUAGES: tuple[str, ...] = ("en", "fr")
FALLBACK = "en"


def normalize_locale(value: str | None, default: str = FALLBACK) -> str:
    """Map a platform locale (``fr-FR``, ``en_US``, ``fr``) to a supported language."""
    if value:
        lang = value.replace("_", "-").split("-")[0].strip().lower()
        if lang in LANGUAGES:
            return lang
    return default if default in LANGUAGES else FALLBACK


def load_catalog(lang: str, directory: Path = LOCALES_DIR) -> Catalog:
    """All ``.po`` files of one language merged into one Babel catalog."""
    merged = Catalog(locale=lang)
    for po in sorted((directory / lang).glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id:
                    merged[message.id] = message
    return merged


class Translator:
    """Looks up and formats messages in one language."""

    def __init__(self, lang: str, translations: gettext.NullTranslations) -> None:
        self.lang = lang
        self._t = translations

    def __call__(self, key: str, /, **params: object) -> Markup:
        """The message ``key`` with ``{placeholders}`` filled in, as neutral markup.

        The catalog text is trusted markup; every placeholder value that is a string and not
        already ``Markup`` is escaped, so a name like ``<!channel>`` shows as typed (numbers
        are formatted as they are).
        """
        text = self._t.gettext(key)
        if not params:
            return Markup(text)
        return Markup(text.format(**{name: _safe(value) for name, value in params.items()}))

    def has(self, key: str) -> bool:
        """True when ``key`` is in the catalogs (of this language or the fallback)."""
        return self._t.gettext(key) != key

    def number(self, value: float, digits: int | None = None) -> str:
        """A quantity the way this language writes it: ``1,000`` in English, ``1 000`` in French.

        Babel puts a narrow no-break space (U+202F) between French digit groups and a
        decimal comma; ``digits`` fixes the number of decimals.
        """
        fmt = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=fmt, locale=self.lang)

    @property
    def colon(self) -> str:
        """What separates a label from its value: ``": "``, or ``"\u00a0: "`` in French."""
        return self("format.colon")

    def label(self, labels: Mapping[str, Mapping[str, str]] | None, value: str) -> str:
        """A programme-defined value (a topic, a track) in this language, if it has a label.

        ``labels`` maps a language to ``{value: label}``; without one, the value is shown
        as the programme spells it.
        """
        own = (labels or {}).get(self.lang) or {}
        return own.get(value) or value

    def command(self, word: str) -> str:
        """A command word as this language types it: ``join`` is ``rejoindre`` in French."""
        key = f"command.{word}"
        return self(key) if self.has(key) else word

    def date(self, value: date | datetime, fmt: str = "medium") -> str:
        """A date in this language's format."""
        if isinstance(value, datetime):
            return format_datetime(value, format=fmt, locale=self.lang)
        return format_date(value, format=fmt, locale=self.lang)

    def language_name(self, code: str) -> str:
        """A language's name in this language: ``fr`` is *français* or *French*."""
        try:
            return Locale.parse(code).get_display_name(self.lang) or code
        except (ValueError, TypeError):
            return code


def _safe(value: object) -> object:
    """A placeholder value as markup; numbers stay numbers (their format specs still apply)."""
    if isinstance(value, int | float | Decimal | Markup):
        return value
    return escape(value)


def _compile(catalog: Catalog) -> gettext.GNUTranslations:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    compiled = _compile(load_catalog(lang))
    if lang != FALLBACK:
        compiled.add_fallback(_translations(FALLBACK))
    return compiled


def translator(locale: str | None, default: str = FALLBACK) -> Translator:
    """The translator for a platform locale or a language code."""
    lang = normalize_locale(locale, default)
    return Translator(lang, _translations(lang))
