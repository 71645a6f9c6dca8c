"""Public entry points: propose pairs, greedy baseline, single-pair checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .model import Candidate, Proposal, ProposedPair, Reason, Rules, Unmatched
from .prepare import (
    Problem,
    management_chain,
    manager_graph,
    prepare,
    validate_candidate,
    validate_rules,
)
from .scoring import pair_reasons, pair_scores
from .solve import (
    DEFAULT_GAP,
    DEFAULT_MAX_ROUNDS,
    DEFAULT_TOP_K,
    Solution,
    solve_dense,
    solve_greedy,
    solve_sparse,
)

Method = Literal["auto", "dense", "sparse"]

#: "auto" uses the dense solver up to this many mentee x mentor-slot cells
#: (e.g. 300 x 800: a few ms) and the sparse one beyond: both reach the
#: optimum, but the dense one's time and memory grow with the full matrix
#: (2,000 per side: ~0.6 s, 190 MB; 10,000: out of reach) while the sparse
#: one measured as fast or faster from ~1,000 per side on.
DENSE_MAX_CELLS = 250_000


def propose(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    rules: Rules,
    *,
    method: Method = "auto",
    top_k: int = DEFAULT_TOP_K,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    gap: float = DEFAULT_GAP,
) -> Proposal:
    """Propose mentor-mentee pairs: as many pairs as possible, then the
    largest total score.

    Every proposed pair honours all hard constraints of ``rules``; each
    mentee gets at most one mentor and each mentor at most
    ``min(capacity, rules.max_capacity)`` mentees. Methods:

    * ``"dense"``: ``linear_sum_assignment`` on the full mentee x
      mentor-slot matrix; exact, O(mentees x slots) memory.
    * ``"sparse"``: column generation on a sparse graph (``top_k`` best and
      a few random mentors per mentee, LAPJVsp, LP duals, pricing of every
      pair against cached and recomputed scores); stops when no pair can
      improve the result (exact) or when the LP bound proves the total
      score within ``gap`` (relative, default 1e-6) of the optimum, or
      after ``max_rounds`` rounds (about 5 are needed in practice).
    * ``"auto"`` (default): dense for small rounds, sparse beyond.

    The result only depends on the inputs and ``rules.seed`` (not on the
    order of the input lists). Raises ValueError on malformed input
    (duplicate ids or person keys on one side, wrong role, mentee capacity
    != 1, capacity < 1, out-of-range fields, bad rules or options).
    """
    if method not in ("auto", "dense", "sparse"):
        raise ValueError(f"method must be 'auto', 'dense' or 'sparse', got {method!r}")
    if top_k < 1 or max_rounds < 0 or not gap >= 0:
        raise ValueError(
            f"need top_k >= 1, max_rounds >= 0, gap >= 0; got {top_k}, {max_rounds}, {gap}"
        )
    problem = prepare(mentors, mentees, rules)
    if problem.mentors.size == 0 or problem.mentees.size == 0:
        return _empty(problem)
    if method == "auto":
        cells = problem.mentees.size * int(problem.mentors.capacity.sum())
        method = "dense" if cells <= DENSE_MAX_CELLS else "sparse"
    if method == "dense":
        solution = solve_dense(problem)
    else:
        solution = solve_sparse(problem, top_k=top_k, max_rounds=max_rounds, gap=gap)
    return _build(problem, solution, method)


def propose_greedy(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    rules: Rules,
) -> Proposal:
    """Greedy baseline: feasible pairs by decreasing score, while capacity lasts.

    Same validation, constraints and output shape as :func:`propose`, but
    neither the number of pairs nor the total score is optimal.
    """
    problem = prepare(mentors, mentees, rules)
    if problem.mentors.size == 0 or problem.mentees.size == 0:
        return _empty(problem)
    return _build(problem, solve_greedy(problem), "greedy")


def check_pair(mentor: Candidate, mentee: Candidate, rules: Rules) -> tuple[str, ...]:
    """Hard rules broken by pairing ``mentor`` with ``mentee`` (empty = allowed).

    Plain scalar code, independent of the vectorised solver path: meant for
    admin overrides ("why can't I pair these two?") and as a test oracle.
    Codes are from :data:`bot.matching.model.VIOLATION_CODES`.
    """
    validate_rules(rules)
    out: list[str] = []
    if mentor.role != "mentor" or mentee.role != "mentee":
        out.append("role")
    if mentor.person_key == mentee.person_key:
        out.append("same_person")
    if rules.kind == "reverse":
        senior_ok = mentor.seniority + rules.seniority_gap <= mentee.seniority
    else:
        senior_ok = mentor.seniority >= mentee.seniority + rules.seniority_gap
    if not senior_ok:
        out.append("seniority")
    if (
        rules.separate_departments
        and mentor.department is not None
        and mentor.department == mentee.department
    ):
        out.append("same_department")
    graph = manager_graph([mentor], [mentee], rules)
    above_mentor = management_chain(mentor.person_key, graph)
    above_mentee = management_chain(mentee.person_key, graph)
    if mentee.person_key in above_mentor or mentor.person_key in above_mentee:
        out.append("reporting_line")
    if (mentor.person_key, mentee.person_key) in rules.forbidden:
        out.append("forbidden")
    return tuple(out)


def score_pair(
    mentor: Candidate, mentee: Candidate, rules: Rules
) -> tuple[float, tuple[Reason, ...]]:
    """Soft score and reasons of one pair, exactly as :func:`propose` scores it.

    The score is computed whether or not the pair is feasible; use
    :func:`check_pair` for the hard rules.
    """
    validate_rules(rules)
    validate_candidate(mentor, "mentor")
    validate_candidate(mentee, "mentee")
    problem = prepare([mentor], [mentee], rules)
    zero = np.zeros(1, dtype=np.int64)
    score, _ = pair_scores(problem, zero, zero)
    return float(score[0]), pair_reasons(mentor, mentee, rules)


def _empty(problem: Problem) -> Proposal:
    unmatched = [Unmatched(c.id, "mentor", "no_mentees") for c in problem.mentors.candidates]
    unmatched += [Unmatched(c.id, "mentee", "no_mentors") for c in problem.mentees.candidates]
    return Proposal(
        pairs=[], unmatched=unmatched, total_score=0.0, seed=problem.rules.seed, method="empty"
    )


def _unmatched_reason(feasible_partners: object) -> str:
    return "no_feasible_partner" if feasible_partners == 0 else "capacity_exhausted"


def _build(problem: Problem, solution: Solution, method: str) -> Proposal:
    mentors, mentees = problem.mentors, problem.mentees
    e_idx, m_idx = solution.mentee, solution.mentor
    scores, ok = pair_scores(problem, e_idx, m_idx)
    # Solvers only ever pick feasible edges; this guards the invariant the
    # whole module exists for, at negligible cost.
    if not bool(ok.all()):
        raise AssertionError("matching solver produced an infeasible pair")
    if np.unique(e_idx).size != e_idx.size:
        raise AssertionError("matching solver assigned a mentee twice")
    load = np.bincount(m_idx, minlength=mentors.size)
    if bool((load > mentors.capacity).any()):
        raise AssertionError("matching solver exceeded a mentor's capacity")
    pairs: list[ProposedPair] = []
    for j, i, s in zip(e_idx.tolist(), m_idx.tolist(), scores.tolist(), strict=True):
        mentor, mentee = mentors.candidates[i], mentees.candidates[j]
        pairs.append(
            ProposedPair(mentor.id, mentee.id, s, pair_reasons(mentor, mentee, problem.rules))
        )
    pairs.sort(key=lambda p: (p.mentor_id, p.mentee_id))
    # Unmatched mentors are those with no mentee at all; a mentor with
    # spare capacity but at least one mentee is not reported.
    unmatched = [
        Unmatched(mentors.candidates[i].id, "mentor", _unmatched_reason(solution.mentor_degree[i]))
        for i in np.flatnonzero(load == 0).tolist()
    ]
    taken = np.zeros(mentees.size, dtype=np.bool_)
    taken[e_idx] = True
    unmatched += [
        Unmatched(mentees.candidates[j].id, "mentee", _unmatched_reason(solution.mentee_degree[j]))
        for j in np.flatnonzero(~taken).tolist()
    ]
    # Sum in pair order so the total is reproducible to the last bit.
    total = float(sum(p.score for p in pairs))
    return Proposal(
        pairs=pairs, unmatched=unmatched, total_score=total, seed=problem.rules.seed, method=method
    )
