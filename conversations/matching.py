"""What matching says: pair explanations, the admin preview, the unmatched notice.

Reasons come from ``bot.matching`` as language-neutral codes with parameters
(stored on each pair as ``{"code": ..., "params": {...}}``); they become
sentences here, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel import Locale

from bot.core.i18n import Translator
from bot.core.markup import Markup, escape
from bot.core.model import Actions, Button, Divider, Element, Heading, Message, Note, Text

# Beyond this many pairs the preview shows a summary, the first pairs and the CLI command.
PREVIEW_MAX_PAIRS = 20
EXCLUDE_BUTTONS_PER_ROW = 5
UNMATCHED_NAMES_SHOWN = 15
PAIRS_LISTED = 100
LINES_PER_TEXT = 20

# Priority tracks come from consented self-descriptions: they help matching but are never
# named in an explanation (a partner must not learn them, an admin sees only "a priority").
PRIVATE_REASONS = frozenset({"priority_track"})
PROBLEMS = ("no_participants", "no_mentors", "no_mentees", "no_pairs", "settings", "stale")


def count(t: Translator, key: str, n: int, **params: object) -> str:
    """``key.one`` or ``key.other`` by the language's plural rule (CLDR), with ``{n}``."""
    form = "one" if Locale.parse(t.lang).plural_form(n) == "one" else "other"
    return t(f"{key}.{form}", n=t.number(n), **params)


def join_words(t: Translator, items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` in the reader's language."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return Markup("").join(items)
    return t("match.list", head=Markup(", ").join(items[:-1]), last=items[-1])


def _hours(t: Translator, value: Any) -> str:
    try:
        number = float(value) if isinstance(value, int | float | str) else 0.0
    except ValueError:
        number = 0.0
    return t.number(int(number)) if number.is_integer() else t.number(number)


Labels = Mapping[str, Mapping[str, str]]


def reason_text(
    t: Translator,
    code: str,
    params: Mapping[str, Any],
    *,
    for_admin: bool,
    labels: Labels | None = None,
) -> str:
    """One reason as a short phrase ("3 shared topics: AI, social media"), or "" to skip it.

    ``labels``: the programme's topic labels, so topics read in the reader's language.
    """
    if code == "shared_topics":
        shared = int(params.get("count", 0) or 0)
        topics = [v.strip() for v in str(params.get("topics", "")).split(",") if v.strip()]
        named = ", ".join(t.label(labels, v) for v in topics)
        return count(t, "match.reason.shared_topics", shared, topics=named)
    if code == "common_language":
        codes = [c.strip() for c in str(params.get("languages", "")).split(",") if c.strip()]
        names = [t.language_name(c) for c in codes or [str(params.get("language", ""))]]
        return t("match.reason.common_language", languages=join_words(t, names))
    if code == "same_frequency":
        frequency = str(params.get("frequency", ""))
        if frequency not in ("weekly", "biweekly", "monthly"):
            return ""
        return t("match.reason.same_frequency", frequency=t(f"match.frequency.{frequency}"))
    if code == "hours_apart":
        hours = _hours(t, params.get("hours", 0))
        return (
            t("match.reason.same_hours")
            if hours == "0"
            else t("match.reason.hours_apart", hours=hours)
        )
    if code == "priority_track":
        return t("match.reason.priority") if for_admin else ""
    return ""


def explain(
    t: Translator,
    reasons: Sequence[Mapping[str, Any]],
    *,
    for_admin: bool = False,
    labels: Labels | None = None,
) -> str:
    """A pair's reasons as one line: "3 shared topics: AI, hybrid work; both speak French"."""
    phrases = []
    for reason in reasons:
        code = str(reason.get("code", ""))
        if code in PRIVATE_REASONS and not for_admin:
            continue
        params = reason.get("params") or {}
        phrase = reason_text(
            t,
            code,
            params if isinstance(params, Mapping) else {},
            for_admin=for_admin,
            labels=labels,
        )
        if phrase:
            phrases.append(phrase)
    return t("match.separator").join(phrases) or t("match.reason.none")


# --- The admin preview ----------------------------------------------------------------


@dataclass(frozen=True)
class PairLine:
    """One proposed pair as the admin sees it."""

    pair_id: int
    mentor: str
    mentee: str
    score: float
    reasons: Sequence[Mapping[str, Any]]
    labels: Labels = field(default_factory=dict)  # the programme's topic labels


@dataclass(frozen=True)
class UnmatchedLine:
    """Someone left without a partner, and why (an ``Unmatched`` code)."""

    name: str
    role: str
    reason: str


@dataclass(frozen=True)
class RoundView:
    """Everything the preview of one round shows."""

    round_id: int
    programme: str
    status: str
    seed: int
    mentors: int
    mentees: int
    total_score: float
    pairs: Sequence[PairLine]
    unmatched: Sequence[UnmatchedLine] = ()
    problem: str | None = None  # match.problem.<key>: why nothing can be proposed
    detail: str = ""
    adjusted: int = 0  # capacities brought within the programme's bounds
    max_capacity: int = 1
    notes: Sequence[str] = field(default_factory=tuple)


def _summary(t: Translator, view: RoundView) -> str:
    return t(
        "match.preview.summary",
        pairs=count(t, "match.count.pairs", len(view.pairs)),
        mentors=count(t, "match.count.mentors", view.mentors),
        mentees=count(t, "match.count.mentees", view.mentees),
        total=t.number(view.total_score, 2),
        seed=view.seed,
    )


def pair_line(t: Translator, line: PairLine) -> str:
    """``#12 Alice → Bob · 2.35`` and the explanation under it."""
    head = t(
        "match.preview.pair",
        id=line.pair_id,
        mentor=line.mentor,
        mentee=line.mentee,
        score=t.number(line.score, 2),
    )
    return f"{head}\n_{explain(t, line.reasons, for_admin=True, labels=line.labels)}_"


def unmatched_reason(t: Translator, role: str, reason: str) -> str:
    """Why someone got no partner, in a few words (admin side)."""
    return t(f"match.unmatched_reason.{_reason_key(role, reason)}")


def _reason_key(role: str, reason: str) -> str:
    known = {"no_feasible_partner", "capacity_exhausted", "partner_left"}
    reason = reason if reason in known else "no_feasible_partner"
    return f"{reason}.{'mentor' if role == 'mentor' else 'mentee'}"


def _unmatched_text(t: Translator, view: RoundView) -> str:
    shown = [
        t(
            "match.preview.unmatched_item",
            name=u.name,
            role=t(f"role.{u.role}"),
            reason=unmatched_reason(t, u.role, u.reason),
        )
        for u in view.unmatched[:UNMATCHED_NAMES_SHOWN]
    ]
    more = len(view.unmatched) - len(shown)
    text = t("match.preview.unmatched", names=t("match.separator").join(shown))
    return text + (" " + count(t, "match.preview.more_people", more) if more > 0 else "")


def round_buttons(t: Translator, round_id: int) -> Actions:
    """Approve / Cancel for a round in preview."""
    value = f"round:{round_id}"
    return Actions(
        (
            Button(t("match.button.approve"), "match.approve", value, "primary"),
            Button(t("match.button.cancel"), "match.cancel", value, "danger"),
        )
    )


def preview_message(t: Translator, view: RoundView) -> Message:
    """The proposed pairs with scores and explanations, Exclude buttons, Approve / Cancel."""
    title = t("match.preview.title", programme=view.programme, round=view.round_id)
    if view.problem:
        return problem_message(t, view)
    elements: list[Element] = [Heading(title), Text(_summary(t, view))]
    shown = list(view.pairs[:PREVIEW_MAX_PAIRS])
    for start in range(0, len(shown), EXCLUDE_BUTTONS_PER_ROW):
        chunk = shown[start : start + EXCLUDE_BUTTONS_PER_ROW]
        elements += [Text(pair_line(t, line)) for line in chunk]
        elements.append(
            Actions(
                tuple(
                    Button(
                        t("match.button.exclude", id=line.pair_id),
                        "match.exclude",
                        f"pair:{line.pair_id}",
                    )
                    for line in chunk
                )
            )
        )
    if len(view.pairs) > len(shown):
        elements.append(
            Note(
                t(
                    "match.preview.large",
                    shown=t.number(len(shown)),
                    total=t.number(len(view.pairs)),
                    round=view.round_id,
                )
            )
        )
    if view.unmatched:
        elements.append(Text(_unmatched_text(t, view)))
    if view.adjusted:
        elements.append(
            Note(count(t, "match.preview.adjusted", view.adjusted, max=view.max_capacity))
        )
    elements += [Note(note) for note in view.notes]
    elements.append(Note(t("match.preview.hint")))
    elements.append(round_buttons(t, view.round_id))
    return Message(tuple(elements), text=title)


def problem_text(t: Translator, view: RoundView) -> str:
    """Why nothing can be proposed, in one paragraph."""
    problem = view.problem if view.problem in PROBLEMS else "no_pairs"
    return t(
        f"match.problem.{problem}",
        programme=view.programme,
        mentors=count(t, "match.count.mentors", view.mentors),
        mentees=count(t, "match.count.mentees", view.mentees),
        detail=view.detail,
    )


def problem_message(t: Translator, view: RoundView) -> Message:
    """Nothing can be proposed: say why, clearly, with no button to approve."""
    problem = view.problem or "no_pairs"
    title = t("match.problem.title", programme=view.programme)
    text = problem_text(t, view)
    elements: list[Element] = [Heading(title), Text(text)]
    if view.unmatched and problem == "no_pairs":
        elements.append(Text(_unmatched_text(t, view)))
    elements.append(Note(t("match.problem.nothing_sent")))
    return Message(tuple(elements), text=title)


def approved_message(
    t: Translator, programme: str, round_id: int, pairs: int, told: int
) -> Message:
    """The round is approved: what was queued."""
    text = t(
        "match.approved",
        programme=programme,
        round=round_id,
        pairs=count(t, "match.count.introduced", pairs),
        told=count(t, "match.count.told", told),
    )
    return Message((Text(text), Note(t("match.approved.note"))), text=text)


# --- To participants --------------------------------------------------------------------


def unmatched_message(t: Translator, programme: str, role: str, reason: str) -> Message:
    """To someone left without a partner: kindly, why, and what happens next."""
    title = t("match.unmatched.title")
    why = t(f"match.unmatched.why.{_reason_key(role, reason)}")
    text = t("match.unmatched.text", programme=programme, why=why)
    return Message((Heading(title), Text(text), Note(t("match.unmatched.next"))), text=title)


def pair_ended_message(t: Translator, partner: str, programme: str) -> Message:
    """A pair ended (rematch or admin): neutral, with no word about who asked."""
    text = t("match.ended.neutral", partner=partner, programme=programme)
    return Message((Text(text), Note(t("match.ended.next"))), text=text)


def admin_notice(t: Translator, text: str, *extra: Element) -> Message:
    """A private notice to an admin."""
    title = t("match.admin.title")
    return Message((Heading(title), Text(text), *extra), text=text)


def rematch_question(t: Translator, choices: Sequence[tuple[int, str, str]]) -> Message:
    """Ask before ending a pair: one confirm button per pair (pair id, partner, programme)."""
    if len(choices) == 1:
        pair_id, partner, programme = choices[0]
        text = t("match.rematch.question", partner=partner, programme=programme)
        buttons = [
            Button(
                t("match.rematch.button.confirm"), "rematch.confirm", f"pair:{pair_id}", "danger"
            )
        ]
    else:
        text = t("match.rematch.question_many")
        buttons = [
            Button(
                t("match.rematch.button.with", partner=partner, programme=programme),
                "rematch.confirm",
                f"pair:{pair_id}",
                "danger",
            )
            for pair_id, partner, programme in choices
        ]
    buttons.append(Button(t("match.rematch.button.keep"), "rematch.keep", "", "default"))
    return Message((Text(text), Actions(tuple(buttons)), Note(t("match.rematch.note"))), text=text)


def pairs_list_message(
    t: Translator, title: str, lines: Sequence[tuple[str, str]], total: int
) -> Message:
    """Running pairs grouped by programme: (programme, line) in order."""
    elements: list[Element] = [Heading(title)]
    if not lines:
        elements.append(Text(t("match.pairs.none")))
        return Message(tuple(elements), text=title)
    current: str | None = None
    batch: list[str] = []

    def flush() -> None:
        if batch:
            elements.append(Text("\n".join(batch)))
            batch.clear()

    for programme, line in lines[:PAIRS_LISTED]:
        if programme != current:
            flush()
            if current is not None:
                elements.append(Divider())
            elements.append(Heading(escape(programme)))
            current = programme
        batch.append(line)
        if len(batch) >= LINES_PER_TEXT:
            flush()
    flush()
    if total > PAIRS_LISTED:
        elements.append(Note(count(t, "match.pairs.more", total - PAIRS_LISTED)))
    elements.append(Note(t("match.pairs.hint")))
    return Message(tuple(elements), text=title)
