"""Mentor-mentee matching engine: pure functions, no I/O, no database.

Entry points: :func:`propose` (optimal assignment under the hard rules),
:func:`propose_greedy` (baseline), :func:`check_pair` and :func:`score_pair`
(one pair, e.g. for an admin's manual swap).

How :func:`propose` works:

* ``prepare`` validates the input, sorts both sides by id (so the input
  order never matters) and encodes them: topic and language sets as
  bitmasks, working window / frequency / languages / priority as a small
  number of "profiles" whose score terms are tabulated once, and the pair
  rules that are not per-candidate (forbidden pairs, reporting line, same
  person) as a sorted list of banned index pairs.
* ``scoring`` computes scores and feasibility of whole blocks of pairs
  with numpy (~160k pairs per block, on a small thread pool), and of single
  pairs with the very same arithmetic, so every solver sees identical
  values.
* ``solve`` maximises pairs first, then total score (a per-pair bonus
  larger than any total score): ``solve_dense`` runs
  ``linear_sum_assignment`` on the mentee x mentor-slot matrix;
  ``solve_sparse`` does column generation: LAPJVsp
  (``min_weight_full_bipartite_matching``) on a sparse graph, LP duals by
  shortest paths, pricing of every pair, repeat until no pair can improve
  the result (or the LP bound proves it within ``gap``).
"""

from .model import (
    FREQUENCIES,
    REASON_CODES,
    UNMATCHED_CODES,
    VIOLATION_CODES,
    Candidate,
    Proposal,
    ProposedPair,
    Reason,
    Rules,
    Unmatched,
    Weights,
)
from .propose import DENSE_MAX_CELLS, Method, check_pair, propose, propose_greedy, score_pair
from .solve import DEFAULT_GAP, DEFAULT_MAX_ROUNDS, DEFAULT_TOP_K

__all__ = [
    "DEFAULT_GAP",
    "DEFAULT_MAX_ROUNDS",
    "DEFAULT_TOP_K",
    "DENSE_MAX_CELLS",
    "FREQUENCIES",
    "REASON_CODES",
    "UNMATCHED_CODES",
    "VIOLATION_CODES",
    "Candidate",
    "Method",
    "Proposal",
    "ProposedPair",
    "Reason",
    "Rules",
    "Unmatched",
    "Weights",
    "check_pair",
    "propose",
    "propose_greedy",
    "score_pair",
]
