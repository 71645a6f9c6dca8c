"""Input and output data model of the matching engine.

Everything here is a plain frozen dataclass: the engine never touches a
database, so callers build these from whatever storage they use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Literal

Role = Literal["mentor", "mentee"]
Kind = Literal["reverse", "classic"]

#: Accepted meeting frequencies, in order: adjacent entries are "close".
FREQUENCIES: tuple[str, ...] = ("weekly", "biweekly", "monthly")

#: Reason codes a :class:`Reason` may carry (rendered to text elsewhere).
REASON_CODES: tuple[str, ...] = (
    "shared_topics",
    "common_language",
    "hours_apart",
    "same_frequency",
    "priority_track",
)

#: Reason codes an :class:`Unmatched` may carry.
UNMATCHED_CODES: tuple[str, ...] = (
    "no_feasible_partner",
    "capacity_exhausted",
    "no_mentors",
    "no_mentees",
)

#: Codes returned by :func:`bot.matching.check_pair` for a broken hard rule.
VIOLATION_CODES: tuple[str, ...] = (
    "role",
    "same_person",
    "seniority",
    "same_department",
    "reporting_line",
    "forbidden",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One enrolment in a programme round, on either side."""

    id: int
    person_key: str
    role: Role
    capacity: int
    seniority: int
    department: str | None
    topics: frozenset[str]
    languages: frozenset[str]
    utc_offset_minutes: int
    work_start_hour: int = 9
    work_end_hour: int = 17
    frequency: str = "biweekly"
    manager_key: str | None = None
    tracks: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the soft-score terms; each term is in [0, 1] before weighting."""

    topic: float = 1.0
    language: float = 0.5
    timezone: float = 0.3
    frequency: float = 0.2
    track: float = 0.5
    noise: float = 0.01

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"weight {f.name!r} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {f.name!r} must be finite and >= 0, got {value!r}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Weights:
        """Build weights from a (programme settings) mapping.

        Unknown keys are ignored so that settings can carry more than weights;
        missing keys keep their default. Negative or non-numeric values raise
        :class:`ValueError`.
        """
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, float] = {}
        for key, value in values.items():
            if key not in known:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"weight {key!r} must be a number, got {value!r}")
            kwargs[key] = float(value)
        return cls(**kwargs)

    @property
    def max_score(self) -> float:
        """Upper bound of a pair score (noise excluded from being reached)."""
        return self.topic + self.language + self.timezone + self.frequency + self.track + self.noise


def _empty_managers() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Rules:
    """Hard constraints and scoring parameters of one programme round.

    ``forbidden`` holds ``(mentor person_key, mentee person_key)`` pairs
    (earlier pairs within the repeat window, admin exclusions). ``managers``
    maps a person_key to their manager's person_key; it is merged with each
    candidate's ``manager_key``.
    """

    kind: Kind = "reverse"
    seniority_gap: int = 0
    separate_departments: bool = True
    forbidden: frozenset[tuple[str, str]] = frozenset()
    managers: Mapping[str, str] = field(default_factory=_empty_managers)
    priority_tracks: frozenset[str] = frozenset()
    weights: Weights = field(default_factory=Weights)
    seed: int = 0
    max_capacity: int = 3


@dataclass(frozen=True, slots=True)
class Reason:
    """A structured, language-neutral reason; ``params`` values are str/int/float."""

    code: str
    params: Mapping[str, str | int | float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProposedPair:
    """One proposed mentor-mentee pair (ids are enrolment ids)."""

    mentor_id: int
    mentee_id: int
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A candidate left without any partner, with a code from UNMATCHED_CODES."""

    candidate_id: int
    role: Role
    reason: str


@dataclass(frozen=True)
class Proposal:
    """Result of a matching run.

    ``pairs`` are sorted by (mentor_id, mentee_id); ``unmatched`` lists
    mentors (with no mentee at all) then mentees, each by id. ``method`` says
    which solver produced it ("dense", "sparse", "greedy" or "empty").
    """

    pairs: list[ProposedPair]
    unmatched: list[Unmatched]
    total_score: float
    seed: int
    method: str = "dense"
