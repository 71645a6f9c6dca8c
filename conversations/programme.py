"""The admin's programme form, as data; also used to validate ``key=value`` arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.i18n import Translator
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
    "separate_departments": "separate_departments",
    "auto": "auto_approve",
    "auto_approve": "auto_approve",
    "schedule": "schedule",
    "calendrier": "schedule",
    "tracks": "tracks",
    "parcours": "tracks",
}


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
    }


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
