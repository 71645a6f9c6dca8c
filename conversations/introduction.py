"""The introduction of a new pair, as data: who, why, icebreakers, a first agenda, how it works.

Two shapes: a 1:1 message to each person (Teams, the local chat, or Slack when a
group DM cannot be opened), naming the other person; and one message for a
Slack group DM with both, written in both languages when they differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.i18n import Translator
from bot.core.model import Divider, Element, Heading, Message, Note, Text
from conversations.matching import explain

ICEBREAKERS = 3
AGENDA_ITEMS = 4


@dataclass(frozen=True)
class PairFacts:
    """What an introduction says about a pair, whoever reads it."""

    pair_id: int
    programme: str
    kind: str  # reverse | classic
    mentor: str
    mentee: str
    reasons: Sequence[Mapping[str, Any]]
    cadence_days: int
    duration_days: int
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # topic labels


def _kind(facts: PairFacts) -> str:
    return facts.kind if facts.kind in ("reverse", "classic") else "reverse"


def _bullets(t: Translator, prefix: str, count: int) -> str:
    return "\n".join(f"• {t(f'{prefix}.{i}')}" for i in range(1, count + 1))


def _shared_part(t: Translator, facts: PairFacts) -> list[Element]:
    """Why, icebreakers, agenda and how the programme works: the same for both readers."""
    kind = _kind(facts)
    return [
        Text(t("intro.why", explanation=explain(t, facts.reasons, labels=facts.labels))),
        Heading(t("intro.icebreakers.title")),
        Text(_bullets(t, f"intro.icebreaker.{kind}", ICEBREAKERS)),
        Heading(t("intro.agenda.title")),
        Text(_bullets(t, "intro.agenda", AGENDA_ITEMS)),
        Heading(t("intro.how.title")),
        Text(
            t(
                "intro.how",
                cadence=t.number(facts.cadence_days),
                duration=t.number(facts.duration_days),
                programme=facts.programme,
            )
        ),
        Note(t("intro.how.commands")),
    ]


def direct_introduction(t: Translator, facts: PairFacts, role: str) -> Message:
    """The 1:1 introduction to the ``role`` member, naming the other one."""
    kind = _kind(facts)
    partner = facts.mentee if role == "mentor" else facts.mentor
    partner_role = "mentee" if role == "mentor" else "mentor"
    title = t(f"intro.title.{partner_role}", partner=partner)
    lead = t(f"intro.lead.{role}.{kind}", partner=partner, programme=facts.programme)
    elements: list[Element] = [Heading(title), Text(lead), *_shared_part(t, facts)]
    return Message(tuple(elements), text=title)


def _group_part(t: Translator, facts: PairFacts) -> tuple[str, list[Element]]:
    kind = _kind(facts)
    title = t("intro.group.title", mentor=facts.mentor, mentee=facts.mentee)
    lead = t(
        f"intro.group.lead.{kind}",
        mentor=facts.mentor,
        mentee=facts.mentee,
        programme=facts.programme,
    )
    return title, [Heading(title), Text(lead), *_shared_part(t, facts)]


def group_introduction(translators: Sequence[Translator], facts: PairFacts) -> Message:
    """One message for a group DM with both people, in each of their languages in turn."""
    seen: list[Translator] = []
    for t in translators:
        if all(t.lang != other.lang for other in seen):
            seen.append(t)
    titles: list[str] = []
    elements: list[Element] = []
    for t in seen:
        title, part = _group_part(t, facts)
        if elements:
            elements.append(Divider())
        titles.append(title)
        elements += part
    return Message(tuple(elements), text=" / ".join(titles))
