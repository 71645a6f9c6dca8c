"""The admin's programme form, as data; also used to validate ``key=value`` arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.i18n import LANGUAGES, Translator
from bot.core.model import Option
from conversations.forms import Question

KINDS = ("reverse", "classic")
NAME_MAX = 80
TOPICS_MAX = 1000
MAX_TOPICS = 50
SCHEDULE_MAX = 64  # Programme.match_schedule's column


def _kind_options(t: Translator, _env: Mapping[str, Any]) -> list[Option]:
    return [Option(k, t(f"programme.kind.{k}")) for k in KINDS]


def _bounds(low: int, high: int) -> Any:
    return lambda _env: (low, high)


QUESTIONS: Sequence[Question] = (
    Question("name", "text", "programme.q.name", max_length=NAME_MAX),
    Question("kind", "radio", "programme.q.kind", options=_kind_options),
    Question(
        "topics", "textarea", "programme.q.topics", "programme.q.topics.hint", max_length=TOPICS_MAX
    ),
    Question("cadence", "number", "programme.q.cadence", bounds=_bounds(1, 90)),
    Question("duration", "number", "programme.q.duration", bounds=_bounds(7, 730)),
    Question("capacity", "number", "programme.q.capacity", bounds=_bounds(1, 10)),
    Question("gap", "number", "programme.q.gap", "programme.q.gap.hint", bounds=_bounds(0, 5)),
    Question(
        "separate_departments", "checkbox", "programme.q.separate_departments", required=False
    ),
    Question("auto_approve", "checkbox", "programme.q.auto_approve", required=False),
    Question(
        "schedule",
        "text",
        "programme.q.schedule",
        "programme.q.schedule.hint",
        required=False,
        max_length=SCHEDULE_MAX,
    ),
    Question(
        "tracks",
        "textarea",
        "programme.q.tracks",
        "programme.q.tracks.hint",
        required=False,
        max_length=TOPICS_MAX,
    ),
    # How the topics and tracks read in each language, in the same order (optional).
    *(
        Question(
            f"{kind}_{lang}",
            "textarea",
            f"programme.q.{kind}_labels.{lang}",
            "programme.q.labels.hint",
            required=False,
            max_length=TOPICS_MAX,
        )
        for kind in ("topics", "tracks")
        for lang in LANGUAGES
    ),
)

# key=value argument names accepted on the command line, mapped to question names.
ARGUMENT_ALIASES = {
    "name": "name",
    "nom": "name",
    "kind": "kind",
    "type": "kind",
    "topics": "topics",
    "sujets": "topics",
    "cadence": "cadence",
    "duration": "duration",
    "duree": "duration",
    "durée": "duration",
    "capacity": "capacity",
    "capacite": "capacity",
    "capacité": "capacity",
    "gap": "gap",
    "ecart": "gap",
    "écart": "gap",
    "departments": "separate_departments",
    "services": "separate_departments",
    "separate_departments": "separate_departments",
    "auto": "auto_approve",
    "auto_approve": "auto_approve",
    "schedule": "schedule",
    "calendrier": "schedule",
    "tracks": "tracks",
    "parcours": "tracks",
    **{f"topics_{lang}": f"topics_{lang}" for lang in LANGUAGES},
    **{f"sujets_{lang}": f"topics_{lang}" for lang in LANGUAGES},
    **{f"tracks_{lang}": f"tracks_{lang}" for lang in LANGUAGES},
    **{f"parcours_{lang}": f"tracks_{lang}" for lang in LANGUAGES},
}
LABELLED = {"topics": "topics", "tracks": "priority_tracks"}  # field → Programme attribute


def split_topics(text: str) -> list[str]:
    """Comma- or newline-separated topics, trimmed, without duplicates."""
    parts = [p.strip()[:60] for p in text.replace("\n", ",").split(",")]
    return list(dict.fromkeys(p for p in parts if p))[:MAX_TOPICS]


def as_values(programme: Any) -> dict[str, str]:
    """A programme's current settings as form values."""
    return {
        "name": programme.name,
        "kind": programme.kind,
        "topics": ", ".join(programme.topics or []),
        "cadence": str(programme.cadence_days),
        "duration": str(programme.duration_days),
        "capacity": str(programme.max_capacity),
        "gap": str(programme.seniority_gap),
        "separate_departments": "yes" if programme.separate_departments else "",
        "auto_approve": "yes" if programme.auto_approve else "",
        "schedule": programme.match_schedule or "",
        "tracks": ", ".join(programme.priority_tracks or []),
        **{
            f"{kind}_{lang}": _labels_text(programme, attribute, lang)
            for kind, attribute in LABELLED.items()
            for lang in LANGUAGES
        },
    }


def _labels_text(programme: Any, attribute: str, lang: str) -> str:
    """One language's labels of the topics (or tracks), in their order; "" when it has none."""
    own = (programme.labels or {}).get(lang) or {}
    values = getattr(programme, attribute) or []
    if not any(v in own for v in values):
        return ""
    return ", ".join(own.get(v, v) for v in values)


def relabelled(programme: Any, kind: str, values_text: str, lang: str) -> str:
    """The labels text for new topics (or tracks): the labels kept for the values that stay."""
    own = (programme.labels or {}).get(lang) or {}
    values = split_topics(values_text)
    if not any(v in own for v in values):
        return ""
    return ", ".join(own.get(v, v) for v in values)


def label_errors(clean: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Label fields whose count differs from their topics' (or tracks'): field → (kind, count)."""
    errors: dict[str, tuple[str, int]] = {}
    for kind in LABELLED:
        values = split_topics(clean.get(kind) or "")
        for lang in LANGUAGES:
            given = clean.get(f"{kind}_{lang}") or ""
            if given.strip() and len(split_labels(given)) != len(values):
                errors[f"{kind}_{lang}"] = (kind, len(values))
    return errors


def split_labels(text: str) -> list[str]:
    """Comma- or newline-separated labels, trimmed, in order (duplicates kept: order matters)."""
    parts = [p.strip()[:60] for p in text.replace("\n", ",").split(",")]
    return [p for p in parts if p][:MAX_TOPICS]


def apply(programme: Any, clean: Mapping[str, Any]) -> None:
    """Copy validated answers onto a programme row."""
    programme.name = clean["name"]
    programme.kind = clean["kind"]
    programme.topics = split_topics(clean["topics"])
    programme.cadence_days = clean["cadence"]
    programme.duration_days = clean["duration"]
    programme.max_capacity = clean["capacity"]
    programme.seniority_gap = clean["gap"]
    programme.separate_departments = bool(clean.get("separate_departments"))
    programme.auto_approve = bool(clean.get("auto_approve"))
    programme.match_schedule = (clean.get("schedule") or "").strip() or None
    programme.priority_tracks = split_topics(clean.get("tracks") or "")
    labels: dict[str, dict[str, str]] = {}
    for kind, attribute in LABELLED.items():
        values = getattr(programme, attribute)
        for lang in LANGUAGES:
            given = split_labels(clean.get(f"{kind}_{lang}") or "")
            if len(given) == len(values):
                own = labels.setdefault(lang, {})
                own.update((v, label) for v, label in zip(values, given, strict=True) if label != v)
    programme.labels = {lang: own for lang, own in labels.items() if own}
