"""The enrolment dialogue, as data: two form steps, then a summary to confirm.

Step ``start``: the programme (when there are several) and the role, explained
in reverse-mentoring words. Step ``details``: topics, goals, seniority,
department, languages, frequency, capacity (mentors), an optional
self-description with explicit consent. Then a summary with confirm / edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.i18n import Translator
from bot.core.markup import Markup, escape
from bot.core.model import Actions, Button, Element, Fields, Heading, Message, Note, Option, Text
from conversations.forms import Question

ROLES = ("mentor", "mentee")
FREQUENCIES = ("weekly", "biweekly", "monthly")
SENIORITY_LEVELS = (1, 2, 3, 4, 5, 6)
LANGUAGE_CODES = ("en", "fr", "es", "de", "it", "pt", "nl", "ar", "zh")
GOALS_MAX = 500
DEPARTMENT_MAX = 80
SELF_DESCRIPTION_MAX = 200


def _programme_options(_t: Translator, env: Mapping[str, Any]) -> list[Option]:
    return [Option(str(p["id"]), escape(p["name"])) for p in env["programmes"]]


def _role_options(t: Translator, env: Mapping[str, Any]) -> list[Option]:
    kind = env.get("kind", "reverse")
    return [Option(role, t(f"enrol.role.{role}.{kind}")) for role in ROLES]


def _topic_options(t: Translator, env: Mapping[str, Any]) -> list[Option]:
    labels = env.get("labels")
    return [Option(topic, escape(t.label(labels, topic))) for topic in env.get("topics", [])]


def _seniority_options(t: Translator, _env: Mapping[str, Any]) -> list[Option]:
    return [Option(str(level), t(f"seniority.{level}")) for level in SENIORITY_LEVELS]


def _language_options(t: Translator, _env: Mapping[str, Any]) -> list[Option]:
    return [Option(code, escape(t.language_name(code))) for code in LANGUAGE_CODES]


def _frequency_options(t: Translator, _env: Mapping[str, Any]) -> list[Option]:
    return [Option(f, t(f"frequency.{f}")) for f in FREQUENCIES]


def _capacity_bounds(env: Mapping[str, Any]) -> tuple[int, int]:
    return 1, int(env.get("max_capacity", 1))


def _is_mentor(env: Mapping[str, Any]) -> bool:
    return env.get("role") == "mentor"


def _several_programmes(env: Mapping[str, Any]) -> bool:
    return len(env["programmes"]) > 1


START: Sequence[Question] = (
    Question(
        "programme",
        "radio",
        "enrol.q.programme",
        options=_programme_options,
        when=_several_programmes,
    ),
    Question("role", "radio", "enrol.q.role", "enrol.q.role.hint", options=_role_options),
)

DETAILS: Sequence[Question] = (
    Question(
        "topics",
        "multiselect",
        "enrol.q.topics_share",
        "enrol.q.topics.hint",
        options=_topic_options,
        when=_is_mentor,
    ),
    Question(
        "topics",
        "multiselect",
        "enrol.q.topics_learn",
        "enrol.q.topics.hint",
        options=_topic_options,
        when=lambda env: not _is_mentor(env),
    ),
    Question("goals", "textarea", "enrol.q.goals", "enrol.q.goals.hint", max_length=GOALS_MAX),
    Question("seniority", "select", "enrol.q.seniority", options=_seniority_options),
    Question("department", "text", "enrol.q.department", max_length=DEPARTMENT_MAX),
    Question("languages", "multiselect", "enrol.q.languages", options=_language_options),
    Question("frequency", "radio", "enrol.q.frequency", options=_frequency_options),
    Question(
        "capacity",
        "number",
        "enrol.q.capacity",
        "enrol.q.capacity.hint",
        bounds=_capacity_bounds,
        when=_is_mentor,
    ),
    Question(
        "self_description",
        "text",
        "enrol.q.self_description",
        "enrol.q.self_description.hint",
        required=False,
        max_length=SELF_DESCRIPTION_MAX,
    ),
    Question("consent", "checkbox", "enrol.q.consent", required=False),
)


def privacy_notice(t: Translator) -> tuple[Element, ...]:
    """What is stored, who sees what, how to leave: shown before the details."""
    return (Note(t("enrol.privacy")),)


def summary_message(
    t: Translator,
    programme_name: str,
    data: Mapping[str, Any],
    state: str,
    editing: bool,
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> Message:
    """The answers so far, with confirm / edit / cancel buttons.

    ``labels``: the programme's topic labels, so topics read in the reader's language.
    """
    role = data.get("role", "")
    comma = Markup(", ")
    items: list[tuple[str, str]] = [
        (t("summary.programme"), escape(programme_name)),
        (t("summary.role"), t(f"role.{role}") if role else "—"),
        (
            t("summary.topics"),
            comma.join(t.label(labels, v) for v in data.get("topics", [])) or "—",
        ),
        (t("summary.goals"), escape(data.get("goals") or "—")),
        (t("summary.seniority"), t(f"seniority.{data.get('seniority', 1)}")),
        (t("summary.department"), escape(data.get("department") or "—")),
        (
            t("summary.languages"),
            comma.join(t.language_name(c) for c in data.get("languages", [])) or "—",
        ),
        (t("summary.frequency"), t(f"frequency.{data.get('frequency', 'biweekly')}")),
    ]
    if role == "mentor":
        items.append((t("summary.capacity"), t.number(int(data.get("capacity", 1)))))
    if data.get("self_description"):
        items.append((t("summary.self_description"), escape(data["self_description"])))
    title = t("enrol.summary.title_edit" if editing else "enrol.summary.title")
    buttons = (
        Button(t("button.confirm"), "enrol.confirm", state, "primary"),
        Button(t("button.edit"), "enrol.edit", state),
        Button(t("button.cancel"), "enrol.cancel", state, "danger"),
    )
    return Message(
        (
            Heading(title),
            Fields(tuple(items), t.colon),
            Actions(buttons),
            Note(t("enrol.summary.note")),
        ),
        text=title,
    )


def resume_message(t: Translator, state: str) -> Message:
    """An unfinished enrolment exists: resume it or start again."""
    text = t("enrol.resume.question")
    buttons = (
        Button(t("button.resume"), "enrol.resume", state, "primary"),
        Button(t("button.restart"), "enrol.restart", state),
    )
    return Message((Text(text), Actions(buttons)), text=text)
