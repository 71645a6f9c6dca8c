"""The catalogs: complete in both languages, with matching placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.core.i18n import LANGUAGES, load_catalog, normalize_locale, translator

ROOT = Path(__file__).resolve().parents[3]
# t("key") / ctx.t("key") / pt("key") with a literal key, anywhere in the code.
KEY_USE = re.compile(r"""\b(?:t|pt|ctx\.t|self\.t)\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    catalogs = {lang: load_catalog(lang) for lang in LANGUAGES}
    keys = {lang: {m.id for m in cat if m.id} for lang, cat in catalogs.items()}
    assert keys["en"] == keys["fr"], keys["en"] ^ keys["fr"]
    for key in keys["en"]:
        en, fr = catalogs["en"][key].string, catalogs["fr"][key].string
        assert en and fr, f"{key} is empty"
        assert _placeholders(str(en)) == _placeholders(str(fr)), key


def test_every_literal_key_used_in_the_code_is_in_the_catalogs() -> None:
    known = {m.id for m in load_catalog("en") if m.id}
    used: dict[str, str] = {}
    for folder in ("bot", "conversations", "adapters", "app.py"):
        path = ROOT / folder
        files = [path] if path.is_file() else path.rglob("*.py")
        for file in files:
            for key in KEY_USE.findall(file.read_text(encoding="utf-8")):
                used.setdefault(key, str(file.relative_to(ROOT)))
    missing = {k: f for k, f in used.items() if k not in known}
    assert not missing, missing
    assert len(used) > 50  # the scan really found the code's messages


@pytest.mark.parametrize(
    ("given", "expected"),
    [("fr-FR", "fr"), ("fr_CA", "fr"), ("en-GB", "en"), ("de-DE", "en"), (None, "en"), ("", "en")],
)
def test_platform_locales_map_to_a_supported_language(given: str | None, expected: str) -> None:
    assert normalize_locale(given) == expected


def test_the_default_language_applies_when_the_platform_gives_an_unknown_one() -> None:
    assert normalize_locale("de-DE", "fr") == "fr"
    assert translator("de-DE", "fr")("button.cancel") == "Annuler"


def test_translator_formats_and_names_languages() -> None:
    fr = translator("fr")
    assert fr("programme.saved", name="Tech") == "Programme *Tech* enregistré."
    assert fr.language_name("en") == "anglais"
    assert translator("en").language_name("fr") == "French"
