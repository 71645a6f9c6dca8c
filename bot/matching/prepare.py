"""Validation and encoding of candidates into numpy arrays.

The solvers work on integer indices and arrays: sets become bitmasks,
strings become small integer codes, and the two "pair" rules that cannot be
expressed per candidate (``forbidden`` and the reporting line) become a
sorted list of forbidden (mentee index, mentor index) pairs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .model import FREQUENCIES, Candidate, Rules, Weights
from .terms import MINUTES_PER_DAY, F64Array, base_terms

#: Largest (mentee profiles x mentor profiles) table of base terms kept,
#: and largest (mentee profiles x mentors) expansion of it (32 MB).
BASE_TABLE_MAX = 4_000_000

IntArray = npt.NDArray[np.int64]
U64Array = npt.NDArray[np.uint64]
U32Array = npt.NDArray[np.uint32]
BoolArray = npt.NDArray[np.bool_]

_MIN_OFFSET = -12 * 60
_MAX_OFFSET = 14 * 60
_MASK32 = (1 << 32) - 1
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Profiles:
    """Distinct (window, frequency, languages, priority) tuples of one side."""

    window_start: IntArray  # working window start, UTC minutes in [0, 1440)
    window_length: IntArray  # working window length in minutes (60..1440)
    frequency: IntArray  # index into FREQUENCIES
    priority: BoolArray  # has at least one track in rules.priority_tracks
    languages: U64Array  # (profiles, words) bitmask over the language vocabulary

    @property
    def size(self) -> int:
        """Number of distinct profiles."""
        return int(self.frequency.size)


@dataclass(frozen=True)
class Side:
    """Array view of one side (mentors or mentees), sorted by enrolment id."""

    candidates: tuple[Candidate, ...]
    ids: IntArray
    person: IntArray  # global person code (shared across both sides)
    seniority: npt.NDArray[np.int8]
    department: npt.NDArray[np.int32]  # -2 (mentors) / -1 (mentees): none
    topics: U64Array  # (n, words) bitmask over the topic vocabulary
    topic_count: IntArray
    topic_weight: F64Array  # mentees: weights.topic / max(1, |topics|)
    noise_key: U32Array  # per-candidate key of the tie-breaker hash
    capacity: IntArray
    # Index into ``profiles``: candidates with the same working window,
    # frequency, languages and priority flag share every non-topic score
    # term, so those terms are computed once per (mentee, mentor) profile.
    profile: IntArray
    profiles: Profiles

    @property
    def size(self) -> int:
        """Number of candidates on this side."""
        return len(self.candidates)


@dataclass(frozen=True)
class Problem:
    """Everything the solvers need, derived once from the inputs."""

    mentors: Side
    mentees: Side
    rules: Rules
    topic_vocab: tuple[str, ...]
    language_vocab: tuple[str, ...]
    # Forbidden (mentee index, mentor index) pairs from ``rules.forbidden``
    # and the reporting line, sorted by mentee then mentor, without duplicates.
    banned_mentee: IntArray
    banned_mentor: IntArray
    # Non-topic score terms per (mentee profile, mentor profile), or None
    # when there are too many profile pairs to tabulate.
    base_table: F64Array | None
    # The same expanded to every mentor, (mentee profiles x mentors), when
    # small enough: a block's terms are then plain row copies.
    base_rows: F64Array | None


def _check_int(value: object, what: str) -> int:
    # bool is an int subclass; a True capacity is almost surely a bug upstream.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an int, got {value!r}")
    return value


def validate_rules(rules: Rules) -> None:
    """Raise ValueError when ``rules`` is inconsistent."""
    if rules.kind not in ("reverse", "classic"):
        raise ValueError(f"rules.kind must be 'reverse' or 'classic', got {rules.kind!r}")
    if _check_int(rules.seniority_gap, "rules.seniority_gap") < 0:
        raise ValueError(f"rules.seniority_gap must be >= 0, got {rules.seniority_gap}")
    if _check_int(rules.max_capacity, "rules.max_capacity") < 1:
        raise ValueError(f"rules.max_capacity must be >= 1, got {rules.max_capacity}")
    _check_int(rules.seed, "rules.seed")
    if not isinstance(rules.weights, Weights):
        raise ValueError(f"rules.weights must be a Weights instance, got {rules.weights!r}")
    for pair in rules.forbidden:
        if not (
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(k, str) for k in pair)
        ):
            raise ValueError(
                f"rules.forbidden entries must be (mentor_key, mentee_key), got {pair!r}"
            )


def validate_candidate(c: Candidate, expected_role: str) -> None:
    """Raise ValueError when a single candidate is malformed."""
    who = f"candidate id={c.id!r}"
    _check_int(c.id, f"{who}: id")
    if c.role != expected_role:
        raise ValueError(f"{who}: role is {c.role!r} but it was passed as a {expected_role}")
    if not isinstance(c.person_key, str) or not c.person_key:
        raise ValueError(f"{who}: person_key must be a non-empty string")
    cap = _check_int(c.capacity, f"{who}: capacity")
    if expected_role == "mentee" and cap != 1:
        raise ValueError(f"{who}: a mentee's capacity must be 1, got {cap}")
    if cap < 1:
        raise ValueError(f"{who}: a mentor's capacity must be >= 1, got {cap}")
    sen = _check_int(c.seniority, f"{who}: seniority")
    if not 1 <= sen <= 6:
        raise ValueError(f"{who}: seniority must be in 1..6, got {sen}")
    off = _check_int(c.utc_offset_minutes, f"{who}: utc_offset_minutes")
    if not _MIN_OFFSET <= off <= _MAX_OFFSET:
        raise ValueError(f"{who}: utc_offset_minutes must be in [-720, 840], got {off}")
    start = _check_int(c.work_start_hour, f"{who}: work_start_hour")
    end = _check_int(c.work_end_hour, f"{who}: work_end_hour")
    if not (0 <= start <= 23 and 1 <= end <= 24 and start != end):
        raise ValueError(
            f"{who}: working hours must satisfy 0 <= start <= 23, 1 <= end <= 24 and "
            f"start != end; got {start}-{end}"
        )
    if c.frequency not in FREQUENCIES:
        raise ValueError(f"{who}: frequency must be one of {FREQUENCIES}, got {c.frequency!r}")
    for name, value in (("topics", c.topics), ("languages", c.languages), ("tracks", c.tracks)):
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{who}: {name} must be a set of strings")
    if c.manager_key is not None and not isinstance(c.manager_key, str):
        raise ValueError(f"{who}: manager_key must be a string or None")


def _validate_side(cands: Sequence[Candidate], role: str) -> None:
    ids: set[int] = set()
    keys: set[str] = set()
    for c in cands:
        if not isinstance(c, Candidate):
            raise ValueError(f"expected Candidate objects, got {type(c).__name__}")
        validate_candidate(c, role)
        if c.id in ids:
            raise ValueError(f"duplicate {role} id {c.id}")
        if c.person_key in keys:
            raise ValueError(f"person_key {c.person_key!r} is enrolled twice as a {role}")
        ids.add(c.id)
        keys.add(c.person_key)


def _bitmasks(sets: Iterable[frozenset[str]], vocab: Mapping[str, int], words: int) -> U64Array:
    # Masks are built as Python ints (no per-bit numpy calls), then split
    # into 64-bit words.
    masks = [sum(1 << vocab[item] for item in items) for items in sets]
    out = np.zeros((len(masks), words), dtype=np.uint64)
    for w in range(words):
        out[:, w] = [(mask >> (64 * w)) & _MASK64 for mask in masks]
    return out


def _mix64(x: int) -> int:
    # splitmix64 finaliser: turns consecutive ids into unrelated keys.
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def noise_salts(seed: int) -> tuple[int, int]:
    """Per-side salts of the tie-breaker, drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return rng.getrandbits(64), rng.getrandbits(64)


def _side(
    cands: Sequence[Candidate],
    rules: Rules,
    person_codes: Mapping[str, int],
    dept_codes: Mapping[str, int],
    no_dept: int,
    topic_vocab: Mapping[str, int],
    lang_vocab: Mapping[str, int],
    salt: int,
) -> Side:
    ordered = tuple(sorted(cands, key=lambda c: c.id))
    n = len(ordered)
    t_words = max(1, math.ceil(len(topic_vocab) / 64))
    l_words = max(1, math.ceil(len(lang_vocab) / 64))
    start = np.array(
        [(c.work_start_hour * 60 - c.utc_offset_minutes) % MINUTES_PER_DAY for c in ordered],
        dtype=np.int64,
    )
    # An end hour at or before the start hour means an overnight window.
    length = np.array(
        [((c.work_end_hour - c.work_start_hour) % 24 or 24) * 60 for c in ordered],
        dtype=np.int64,
    )
    window_start = start.reshape(n)
    window_length = length.reshape(n)
    frequency = np.array([FREQUENCIES.index(c.frequency) for c in ordered], dtype=np.int64).reshape(
        n
    )
    priority = np.array(
        [bool(c.tracks & rules.priority_tracks) for c in ordered], dtype=np.bool_
    ).reshape(n)
    languages = _bitmasks((c.languages for c in ordered), lang_vocab, l_words)
    features = np.column_stack(
        [
            window_start,
            window_length,
            frequency,
            priority.astype(np.int64),
            languages.view(np.int64),
        ]
    )
    uniq, inverse = np.unique(features, axis=0, return_inverse=True)
    profiles = Profiles(
        window_start=uniq[:, 0].copy(),
        window_length=uniq[:, 1].copy(),
        frequency=uniq[:, 2].copy(),
        priority=uniq[:, 3].astype(np.bool_),
        languages=np.ascontiguousarray(uniq[:, 4:]).view(np.uint64),
    )
    return Side(
        candidates=ordered,
        ids=np.array([c.id for c in ordered], dtype=np.int64).reshape(n),
        person=np.array([person_codes[c.person_key] for c in ordered], dtype=np.int64).reshape(n),
        seniority=np.array([c.seniority for c in ordered], dtype=np.int8).reshape(n),
        department=np.array(
            [no_dept if c.department is None else dept_codes[c.department] for c in ordered],
            dtype=np.int32,
        ).reshape(n),
        topics=_bitmasks((c.topics for c in ordered), topic_vocab, t_words),
        topic_count=np.array([len(c.topics) for c in ordered], dtype=np.int64).reshape(n),
        topic_weight=np.array(
            [rules.weights.topic / max(1, len(c.topics)) for c in ordered], dtype=np.float64
        ).reshape(n),
        noise_key=np.array(
            [(_mix64(c.id ^ salt) & _MASK32) | 1 for c in ordered], dtype=np.uint32
        ).reshape(n),
        capacity=np.array(
            [min(c.capacity, rules.max_capacity) for c in ordered], dtype=np.int64
        ).reshape(n),
        profile=np.asarray(inverse, dtype=np.int64).reshape(n),
        profiles=profiles,
    )


def management_chain(person: str, managers: Mapping[str, Sequence[str]]) -> set[str]:
    """All transitive managers of ``person`` (itself excluded), cycle-safe."""
    seen: set[str] = set()
    stack = list(managers.get(person, ()))
    while stack:
        boss = stack.pop()
        if boss in seen or boss == person:
            continue
        seen.add(boss)
        stack.extend(managers.get(boss, ()))
    return seen


def manager_graph(
    mentors: Iterable[Candidate], mentees: Iterable[Candidate], rules: Rules
) -> dict[str, list[str]]:
    """Union of ``rules.managers`` and each candidate's ``manager_key``.

    When both sources name a manager for someone and disagree, both edges are
    kept: a stale record must not let a reporting-line pair through.
    """
    graph: dict[str, list[str]] = {}
    for person, boss in rules.managers.items():
        if boss and boss != person:
            graph.setdefault(person, []).append(boss)
    for c in (*mentors, *mentees):
        if c.manager_key and c.manager_key != c.person_key:
            bosses = graph.setdefault(c.person_key, [])
            if c.manager_key not in bosses:
                bosses.append(c.manager_key)
    return graph


def _banned_pairs(mentors: Side, mentees: Side, rules: Rules) -> tuple[IntArray, IntArray]:
    mentor_at = {c.person_key: i for i, c in enumerate(mentors.candidates)}
    mentee_at = {c.person_key: j for j, c in enumerate(mentees.candidates)}
    banned: set[tuple[int, int]] = set()
    # Someone enrolled on both sides must not be paired with themselves;
    # such people are rare, so the sparse list is cheaper than a dense test.
    for key, j in mentee_at.items():
        if key in mentor_at:
            banned.add((j, mentor_at[key]))
    for mentor_key, mentee_key in rules.forbidden:
        if mentor_key in mentor_at and mentee_key in mentee_at:
            banned.add((mentee_at[mentee_key], mentor_at[mentor_key]))
    graph = manager_graph(mentors.candidates, mentees.candidates, rules)
    if graph:
        # Walking up from every candidate finds both directions of the rule:
        # a mentee above a mentor and a mentor above a mentee.
        for i, c in enumerate(mentors.candidates):
            for boss in management_chain(c.person_key, graph):
                if boss in mentee_at:
                    banned.add((mentee_at[boss], i))
        for j, c in enumerate(mentees.candidates):
            for boss in management_chain(c.person_key, graph):
                if boss in mentor_at:
                    banned.add((j, mentor_at[boss]))
    if not banned:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    arr = np.array(sorted(banned), dtype=np.int64)
    return arr[:, 0].copy(), arr[:, 1].copy()


def prepare(mentors: Sequence[Candidate], mentees: Sequence[Candidate], rules: Rules) -> Problem:
    """Validate inputs and encode them; raise ValueError on malformed input."""
    if not isinstance(rules, Rules):
        raise ValueError(f"rules must be a Rules instance, got {type(rules).__name__}")
    validate_rules(rules)
    _validate_side(mentors, "mentor")
    _validate_side(mentees, "mentee")
    everyone = (*mentors, *mentees)
    person_codes = {key: k for k, key in enumerate(sorted({c.person_key for c in everyone}))}
    depts = sorted({c.department for c in everyone if c.department is not None})
    dept_codes = {d: k for k, d in enumerate(depts)}
    topic_vocab = tuple(sorted({t for c in everyone for t in c.topics}))
    lang_vocab = tuple(sorted({lang for c in everyone for lang in c.languages}))
    topic_index = {t: k for k, t in enumerate(topic_vocab)}
    lang_index = {t: k for k, t in enumerate(lang_vocab)}
    salt_mentor, salt_mentee = noise_salts(rules.seed)
    m_side = _side(
        mentors, rules, person_codes, dept_codes, -2, topic_index, lang_index, salt_mentor
    )
    e_side = _side(
        mentees, rules, person_codes, dept_codes, -1, topic_index, lang_index, salt_mentee
    )
    banned_e, banned_m = _banned_pairs(m_side, e_side, rules)
    table = None
    pe, pm = e_side.profiles, m_side.profiles
    if pe.size * pm.size <= BASE_TABLE_MAX:
        table = base_terms(
            rules.weights,
            pe.languages[:, None, :],
            pm.languages[None, :, :],
            pe.window_start[:, None],
            pe.window_length[:, None],
            pm.window_start[None, :],
            pm.window_length[None, :],
            pe.frequency[:, None],
            pm.frequency[None, :],
            pe.priority[:, None],
            pm.priority[None, :],
        )
    return Problem(
        mentors=m_side,
        mentees=e_side,
        rules=rules,
        topic_vocab=topic_vocab,
        language_vocab=lang_vocab,
        banned_mentee=banned_e,
        banned_mentor=banned_m,
        base_table=table,
        base_rows=(
            table[:, m_side.profile]
            if table is not None and pe.size * m_side.size <= BASE_TABLE_MAX
            else None
        ),
    )
