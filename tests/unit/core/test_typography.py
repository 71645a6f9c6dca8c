"""Every French message follows French typography; English ones keep English spacing.

The catalogs are checked message by message, then a few messages the code puts
together (a summary's text version, the help, the stats) are checked as the
reader gets them, with formatted numbers.
"""

from __future__ import annotations

import pytest

from bot.core.i18n import load_catalog, translator
from bot.core.model import Fields
from bot.core.plaintext import message_text
from conversations.enrolment import summary_message
from storage.programmes import DEFAULT_LABELS
from tests.typography import english_problems, french_problems

# Messages that are not prose: the separator of a list of reasons is checked in its lists.
NOT_PROSE = {"format.colon", "match.separator"}


def _messages(lang: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in load_catalog(lang) if m.id and m.string}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Bonjour Amara !", "narrow no-break space"),
        ("Bonjour Amara!", "narrow no-break space"),
        ("Est-ce utile ?", "narrow no-break space"),
        ("Rôle: mentor", "no-break space (U+00A0) before :"),
        ("Rôle : mentor", "no-break space (U+00A0) before :"),
        ("Étape 2: fin", "no-break space (U+00A0) before :"),
        ("1 000 caractères", "digit groups"),
        ("1\u00a0000 caractères", "digit groups"),
        ("« bonjour »", "inside « »"),
        ("en pause ; rien", "narrow no-break space"),
        ("Rôle\u202f: mentor", "wrong space"),
        ("Merci\u00a0!", "wrong space"),
    ],
)
def test_the_checker_catches_each_mistake(text: str, rule: str) -> None:
    problems = french_problems(text)
    assert any(rule in p for p in problems), problems


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour Amara\u202f!",
        "Rôle\u00a0: mentor",
        "1\u202f000 caractères",
        "«\u00a0bonjour\u00a0»",
        "Vraiment\u202f?!",
        "le 2 nov. 2026, 10:00:00",
        "Tapez `/mentoring stats 2026-Q4:x?` ou ouvrez http://127.0.0.1:3978/?a=b",
    ],
)
def test_the_checker_accepts_good_french(text: str) -> None:
    assert french_problems(text) == []


def test_every_french_message_follows_french_typography() -> None:
    problems = {
        key: found
        for key, text in _messages("fr").items()
        if key not in NOT_PROSE and (found := french_problems(text))
    }
    assert not problems, "\n".join(f"{k}: {v}" for k, v in sorted(problems.items()))


def test_the_french_separators_carry_their_spaces() -> None:
    fr = translator("fr")
    assert fr.colon == "\u00a0: "
    assert fr("match.separator") == "\u202f; "


def test_english_messages_keep_english_spacing() -> None:
    problems = {
        key: found
        for key, text in _messages("en").items()
        if key not in NOT_PROSE and (found := english_problems(text))
    }
    assert not problems, problems
    assert "\u202f" not in "".join(_messages("en").values())


def test_french_numbers_are_formatted_by_babel() -> None:
    fr, en = translator("fr"), translator("en")
    assert fr.number(1000) == "1\u202f000" and en.number(1000) == "1,000"
    assert fr.number(3.75, 1) == "3,8" and en.number(3.75, 1) == "3.8"
    tip = fr("form.error.too_long", max=fr.number(1000), length=fr.number(1234))
    assert tip == "Merci de ne pas dépasser 1\u202f000 caractères (vous en avez saisi 1\u202f234)."
    assert french_problems(tip) == []


def test_a_french_summary_reads_as_french_text() -> None:
    fr = translator("fr")
    data = {
        "role": "mentor",
        "topics": ["AI", "Social media", "Digital tools"],
        "goals": "Montrer comment nous utilisons l'IA au quotidien.",
        "seniority": 1,
        "department": "Finance",
        "languages": ["fr", "en"],
        "frequency": "biweekly",
        "capacity": 1,
    }
    message = summary_message(fr, "Reverse mentoring", data, "1:1", False, labels=DEFAULT_LABELS)
    text = message_text(message)
    assert "Rôle\u00a0: mentor" in text
    assert "Sujets\u00a0: IA, Réseaux sociaux, Outils numériques" in text
    assert "Fréquence des rencontres\u00a0: Toutes les deux semaines" in text
    assert french_problems(text) == []
    [fields] = [e for e in message.elements if isinstance(e, Fields)]
    assert fields.colon == "\u00a0: "
    english = message_text(
        summary_message(translator("en"), "Reverse mentoring", data, "1:1", False)
    )
    assert "Role: mentor" in english and "Topics: AI, Social media, Digital tools" in english
