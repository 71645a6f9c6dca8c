"""Independent plain-Python reference code for the matching tests.

Deliberately naive (sets of minutes, brute force): it shares no code with
``bot.matching`` so the tests do not check the engine against itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.matching import Candidate, Proposal, Rules

FREQ_ORDER = {"weekly": 0, "biweekly": 1, "monthly": 2}


def cand(cid: int, role: str = "mentor", **kw: Any) -> Candidate:
    """A candidate with sensible defaults for hand-made cases."""
    base: dict[str, Any] = {
        "id": cid,
        "person_key": f"{role}-{cid}",
        "role": role,
        "capacity": 1,
        "seniority": 1 if role == "mentor" else 5,
        "department": None,
        "topics": frozenset({"ai"}),
        "languages": frozenset({"fr"}),
        "utc_offset_minutes": 60,
        "frequency": "biweekly",
    }
    base.update(kw)
    return Candidate(**base)


def chain(person: str, rules: Rules, people: Sequence[Candidate]) -> set[str]:
    """Everyone above ``person`` via rules.managers or candidates' manager_key."""
    bosses: dict[str, set[str]] = {}
    for p, b in rules.managers.items():
        bosses.setdefault(p, set()).add(b)
    for c in people:
        if c.manager_key:
            bosses.setdefault(c.person_key, set()).add(c.manager_key)
    seen: set[str] = set()
    todo = [person]
    while todo:
        for b in bosses.get(todo.pop(), ()):
            if b not in seen and b != person:
                seen.add(b)
                todo.append(b)
    return seen


def feasible(m: Candidate, e: Candidate, rules: Rules, people: Sequence[Candidate]) -> bool:
    """Every hard rule, written out independently."""
    if m.person_key == e.person_key:
        return False
    if rules.kind == "reverse" and not m.seniority + rules.seniority_gap <= e.seniority:
        return False
    if rules.kind == "classic" and not m.seniority >= e.seniority + rules.seniority_gap:
        return False
    if rules.separate_departments and m.department is not None and m.department == e.department:
        return False
    if (m.person_key, e.person_key) in rules.forbidden:
        return False
    if e.person_key in chain(m.person_key, rules, people):
        return False
    return m.person_key not in chain(e.person_key, rules, people)


def utc_minutes(c: Candidate) -> set[int]:
    """The UTC minutes of the day inside c's working window."""
    length = (c.work_end_hour - c.work_start_hour) % 24 or 24
    start = c.work_start_hour * 60 - c.utc_offset_minutes
    return {(start + k) % 1440 for k in range(length * 60)}


def score_without_noise(m: Candidate, e: Candidate, rules: Rules) -> float:
    """The soft score minus the random tie-breaker."""
    w = rules.weights
    topic = len(m.topics & e.topics) / max(1, len(e.topics))
    lang = 1.0 if m.languages & e.languages else 0.0
    hours = min(len(utc_minutes(m) & utc_minutes(e)) / 480, 1.0)
    gap = abs(FREQ_ORDER[m.frequency] - FREQ_ORDER[e.frequency])
    freq = {0: 1.0, 1: 0.5}.get(gap, 0.0)
    track = 1.0 if (m.tracks | e.tracks) & rules.priority_tracks else 0.0
    return (
        w.topic * topic
        + w.language * lang
        + w.timezone * hours
        + w.frequency * freq
        + w.track * track
    )


def check_proposal(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], rules: Rules, proposal: Proposal
) -> None:
    """Assert every structural and hard-rule invariant of a proposal."""
    people = [*mentors, *mentees]
    by_m = {c.id: c for c in mentors}
    by_e = {c.id: c for c in mentees}
    load: dict[int, int] = {}
    seen: set[int] = set()
    for p in proposal.pairs:
        m, e = by_m[p.mentor_id], by_e[p.mentee_id]
        assert feasible(m, e, rules, people), (m, e)
        assert e.id not in seen, f"mentee {e.id} paired twice"
        seen.add(e.id)
        load[m.id] = load.get(m.id, 0) + 1
        base = score_without_noise(m, e, rules)
        assert base - 1e-9 <= p.score < base + rules.weights.noise + 1e-9
    for mid, n in load.items():
        assert n <= min(by_m[mid].capacity, rules.max_capacity)
    assert abs(proposal.total_score - sum(p.score for p in proposal.pairs)) < 1e-9
    unmatched = {(u.candidate_id, u.role) for u in proposal.unmatched}
    assert unmatched == {(c.id, "mentee") for c in mentees if c.id not in seen} | {
        (c.id, "mentor") for c in mentors if c.id not in load
    }


def brute_force(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], rules: Rules
) -> tuple[int, float]:
    """Best (pairs, total score) by trying every assignment (tiny inputs only)."""
    people = [*mentors, *mentees]
    # Scores come from the engine's own score_pair only for the noise part,
    # which the oracle cannot know; the structure of the search is independent.
    from bot.matching import score_pair

    cap = {m.id: min(m.capacity, rules.max_capacity) for m in mentors}
    options: list[list[tuple[int, float]]] = []
    for e in mentees:
        opts = [
            (m.id, score_pair(m, e, rules)[0]) for m in mentors if feasible(m, e, rules, people)
        ]
        options.append(opts)
    best = (0, 0.0)

    def go(k: int, pairs: int, total: float) -> None:
        nonlocal best
        if k == len(mentees):
            if (pairs, total) > (best[0], best[1] + 1e-9):
                best = (pairs, total)
            return
        go(k + 1, pairs, total)
        for mid, s in options[k]:
            if cap[mid] > 0:
                cap[mid] -= 1
                go(k + 1, pairs + 1, total + s)
                cap[mid] += 1

    go(0, 0, 0.0)
    return best


def with_ids(cands: Sequence[Candidate], mapping: Mapping[int, int]) -> list[Candidate]:
    """Copies of ``cands`` with ids renamed through ``mapping``."""
    return [replace(c, id=mapping[c.id]) for c in cands]
