"""Assignment solvers working on a prepared :class:`Problem`.

All solvers return the chosen pairs as (mentee index, mentor index) arrays
plus, for the unmatched reasons, how many feasible partners each candidate
has. The objective is lexicographic: first as many pairs as possible, then
the largest total score. It is encoded by adding a constant ``bonus`` larger
than any possible total score to every feasible pair's weight.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .prepare import BoolArray, IntArray, Problem
from .scoring import map_blocks, rows_scores
from .terms import F64Array

#: Mentors kept per mentee when building the sparse graph (pricing scans add
#: up to 4x as many improving ones). Small keeps LAPJVsp fast; the pricing
#: rounds bring in whatever the optimum needs beyond it.
DEFAULT_TOP_K = 4
#: Random feasible mentors added per mentee to the first sparse graph.
DEFAULT_RANDOM = 6
#: Default bound on pricing rounds (each may recompute part of the scores
#: and re-solve); they converge in about 5 on the benchmark's rounds.
DEFAULT_MAX_ROUNDS = 12
#: Default relative optimality gap at which pricing rounds stop.
DEFAULT_GAP = 1e-6
#: Best pairs cached per mentee by the first sweep (see _Cache).
DEFAULT_CACHE_WIDTH = 64
#: A pair is added when it would improve the objective by more than this;
#: far above float64 rounding of the ~1e4-sized potentials, far below any
#: meaningful score difference.
_PRICING_TOL = 1e-9


@dataclass(frozen=True)
class Solution:
    """Chosen pairs (as indices) and feasible-partner counts per candidate."""

    mentee: IntArray
    mentor: IntArray
    mentee_degree: IntArray
    mentor_degree: IntArray
    rounds: int = 0  # pricing rounds run by the sparse solver


def _trivial(problem: Problem) -> Solution | None:
    """The solution when one side is empty (nothing to solve), else None."""
    n_e, n_m = problem.mentees.size, problem.mentors.size
    if n_e and n_m:
        return None
    none = np.zeros(0, dtype=np.int64)
    return Solution(none, none, np.zeros(n_e, dtype=np.int64), np.zeros(n_m, dtype=np.int64))


def pair_bonus(problem: Problem) -> float:
    """Per-pair constant making cardinality dominate the score.

    Any matching scores less than ``max_score * max_pairs``; a bonus above
    that guarantees one more pair always beats any score gain.
    """
    max_pairs = min(problem.mentees.size, int(problem.mentors.capacity.sum()))
    return problem.rules.weights.max_score * (max_pairs + 1) + 1.0


def _slot_owner(problem: Problem) -> IntArray:
    # Mentor i owns capacity[i] consecutive "slots"; one slot takes one mentee.
    cap = problem.mentors.capacity
    return np.repeat(np.arange(cap.size, dtype=np.int64), cap)


def _degrees(
    problem: Problem, parts: list[tuple[IntArray, IntArray, IntArray]]
) -> tuple[IntArray, IntArray]:
    deg_e = np.zeros(problem.mentees.size, dtype=np.int64)
    deg_m = np.zeros(problem.mentors.size, dtype=np.int64)
    for idx, per_row, per_col in parts:
        deg_e[idx] = per_row
        deg_m += per_col
    return deg_e, deg_m


def solve_dense(problem: Problem) -> Solution:
    """Exact optimum with ``linear_sum_assignment`` on the slot-expanded matrix.

    Memory is O(mentees x total capacity); use for moderate sizes.
    """
    if (trivial := _trivial(problem)) is not None:
        return trivial
    n_e, n_m = problem.mentees.size, problem.mentors.size
    bonus = pair_bonus(problem)
    weight = np.zeros((n_e, n_m), dtype=np.float64)
    feasible = np.zeros((n_e, n_m), dtype=np.bool_)

    def fill(idx: IntArray, score: F64Array, ok: BoolArray) -> None:
        feasible[idx] = ok
        # Infeasible cells weigh 0: an assignment through them is dropped
        # afterwards, which is exactly "left unmatched".
        weight[idx] = np.where(ok, score + bonus, 0.0)

    map_blocks(problem, fill)
    owner = _slot_owner(problem)
    rows, slots = linear_sum_assignment(weight[:, owner], maximize=True)
    mentors = owner[slots]
    keep = feasible[rows, mentors]
    return Solution(
        mentee=rows[keep].astype(np.int64),
        mentor=mentors[keep].astype(np.int64),
        mentee_degree=feasible.sum(axis=1, dtype=np.int64),
        mentor_degree=feasible.sum(axis=0, dtype=np.int64),
    )


def _top_per_row(values: F64Array, k: int) -> tuple[IntArray, IntArray]:
    """(row, col) of the up-to-``k`` largest finite values of each row."""
    if values.shape[1] <= k:
        rr, cc = np.nonzero(np.isfinite(values))
        return rr.astype(np.int64), cc.astype(np.int64)
    idx = np.argpartition(-values, k - 1, axis=1)[:, :k]
    rr, kk = np.nonzero(np.isfinite(np.take_along_axis(values, idx, axis=1)))
    return rr.astype(np.int64), idx[rr, kk].astype(np.int64)


@dataclass
class _Graph:
    """Candidate edges of the restricted problem (sorted, unique) with scores."""

    n_mentors: int
    keys: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    scores: F64Array = field(default_factory=lambda: np.zeros(0, dtype=np.float64))

    @property
    def mentee(self) -> IntArray:
        """Mentee index of each edge."""
        return self.keys // max(self.n_mentors, 1)

    @property
    def mentor(self) -> IntArray:
        """Mentor index of each edge."""
        return self.keys % max(self.n_mentors, 1)

    def find(self, rows: IntArray, cols: IntArray) -> IntArray:
        """Positions of existing edges (rows[k], cols[k]) in ``keys``."""
        return np.searchsorted(self.keys, rows * max(self.n_mentors, 1) + cols)

    def add(self, rows: IntArray, cols: IntArray, scores: F64Array) -> int:
        """Add edges (duplicates ignored); return how many were new."""
        new, first = np.unique(rows * max(self.n_mentors, 1) + cols, return_index=True)
        if self.keys.size:
            pos = np.minimum(np.searchsorted(self.keys, new), self.keys.size - 1)
            fresh = self.keys[pos] != new
            new, first = new[fresh], first[fresh]
        if not new.size:
            return 0
        keys = np.concatenate([self.keys, new])
        vals = np.concatenate([self.scores, scores[first]])
        order = np.argsort(keys, kind="stable")
        self.keys, self.scores = keys[order], vals[order]
        return int(new.size)


def _concat(
    parts: list[tuple[IntArray, IntArray, F64Array]],
) -> tuple[IntArray, IntArray, F64Array]:
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


@dataclass
class _Cache:
    """Each mentee's best pairs by raw score, sorted by mentee.

    ``floor[j]`` is the lowest cached score of mentee j when pairs of j were
    left out (every left-out pair scores at most that), or -inf when all of
    j's feasible pairs are cached. Scores do not depend on the duals, so a
    pricing scan only has to recompute the rows whose threshold is below
    their floor: any other row's missing pairs cannot improve anything.
    """

    mentee: IntArray
    mentor: IntArray
    score: F64Array
    floor: F64Array

    def replace_rows(self, rows: IntArray, part: _Cache) -> None:
        """Swap in fresh (longer) lists for ``rows``."""
        keep = ~np.isin(self.mentee, rows)
        mentee = np.concatenate([self.mentee[keep], part.mentee])
        order = np.argsort(mentee, kind="stable")
        self.mentee = mentee[order]
        self.mentor = np.concatenate([self.mentor[keep], part.mentor])[order]
        self.score = np.concatenate([self.score[keep], part.score])[order]
        self.floor[rows] = part.floor[rows]


def _top_pairs(
    idx: IntArray, score: F64Array, ok: BoolArray, width: int, floor: F64Array
) -> tuple[IntArray, IntArray, F64Array]:
    """Top-``width`` feasible pairs of each block row; records row floors."""
    masked = np.where(ok, score, -np.inf)
    rr, cc = _top_per_row(masked, width)
    vals = masked[rr, cc]
    low = np.full(idx.size, np.inf)
    np.minimum.at(low, rr, vals)
    floor[idx] = np.where(ok.sum(axis=1) > width, low, -np.inf)
    return idx[rr], cc, vals


def _first_pass(
    problem: Problem, top_k: int, n_random: int, width: int
) -> tuple[_Graph, _Cache, IntArray, IntArray]:
    """One sweep over all pairs building the initial candidate graph.

    Keeps each mentee's ``top_k`` best feasible mentors plus ``n_random``
    random feasible ones: top lists crowd onto the popular mentors, and a
    random sparse graph has a near-maximum matching, so the first solve
    already pairs (almost) everyone and yields meaningful duals. Also caches
    each mentee's ``width`` best pairs and counts everyone's feasible
    partners.
    """
    n_m = problem.mentors.size
    seed = problem.rules.seed
    floor = np.full(problem.mentees.size, -np.inf)

    def block(
        idx: IntArray, score: F64Array, ok: BoolArray
    ) -> tuple[
        tuple[IntArray, IntArray, IntArray],
        tuple[IntArray, IntArray, F64Array],
        tuple[IntArray, IntArray, F64Array],
    ]:
        cached = _top_pairs(idx, score, ok, width, floor)
        # The cache is grouped by row with the best first, so each row's
        # first top_k entries are its top_k.
        order = np.lexsort((-cached[2], cached[0]))
        rows, cols, vals = cached[0][order], cached[1][order], cached[2][order]
        first = np.searchsorted(rows, rows, side="left")
        best = np.arange(rows.size) - first < top_k
        e, m, v = rows[best], cols[best], vals[best]
        if n_random:
            # Seeded per block, so results do not depend on thread timing.
            rng = np.random.default_rng([seed & 0xFFFFFFFF, int(idx[0])])
            rx = np.repeat(np.arange(idx.size), n_random)
            cx = rng.integers(0, n_m, rx.size)
            good = ok[rx, cx]
            rx, cx = rx[good], cx[good]
            e, m, v = np.r_[e, idx[rx]], np.r_[m, cx], np.r_[v, score[rx, cx]]
        return (idx, ok.sum(axis=1), ok.sum(axis=0)), (e, m, v), (rows, cols, vals)

    parts = map_blocks(problem, block)
    deg_e, deg_m = _degrees(problem, [p[0] for p in parts])
    graph = _Graph(n_m)
    graph.add(*_concat([p[1] for p in parts]))
    cache = _Cache(*_concat([p[2] for p in parts]), floor)
    return graph, cache, deg_e, deg_m


@dataclass
class _Restricted:
    """Optimal matching of the restricted problem and its LP duals."""

    mentee: IntArray
    mentor: IntArray
    # Potential per mentee (u) and per mentor (price = max dual of its slots)
    # in the min-cost form where a real pair costs ``reach - score``.
    u: F64Array
    price: F64Array


def _solve_restricted(problem: Problem, graph: _Graph) -> _Restricted:
    """Solve the assignment on ``graph`` exactly (LAPJVsp) and derive duals.

    Each mentor is expanded into ``capacity`` slots and each mentee gets a
    private dummy column ("unmatched", cost ``reach + bonus``), so a full
    matching of the mentee rows always exists, as scipy requires. A real
    pair costs ``reach - score`` (>= 1, as scipy drops explicit zeros).
    """
    n_e = problem.mentees.size
    cap = problem.mentors.capacity
    reach = problem.rules.weights.max_score + 1.0
    dummy = reach + pair_bonus(problem)
    rows, cols = graph.mentee, graph.mentor
    cost = reach - graph.scores
    slot_start = np.concatenate([[0], np.cumsum(cap)[:-1]]).astype(np.int64)
    n_slots = int(cap.sum())
    reps = cap[cols]
    e_rows = np.repeat(rows, reps)
    # Offset of each repeated edge within its mentor's slots: 0..cap-1.
    within = np.arange(e_rows.size, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    e_cols = np.repeat(slot_start[cols], reps) + within
    all_rows = np.concatenate([e_rows, np.arange(n_e, dtype=np.int64)])
    all_cols = np.concatenate([e_cols, n_slots + np.arange(n_e, dtype=np.int64)])
    all_cost = np.concatenate([np.repeat(cost, reps), np.full(n_e, dummy)])
    matrix = csr_matrix((all_cost, (all_rows, all_cols)), shape=(n_e, n_slots + n_e))
    r, c = min_weight_full_bipartite_matching(matrix)
    r = np.asarray(r, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    real = c < n_slots
    m_e, m_m = r[real], _slot_owner(problem)[c[real]]
    u, price = _duals(problem, rows, cols, cost, m_e, m_m, dummy)
    return _Restricted(m_e, m_m, u, price)


def _duals(
    problem: Problem,
    rows: IntArray,
    cols: IntArray,
    cost: F64Array,
    m_e: IntArray,
    m_m: IntArray,
    dummy: float,
) -> tuple[F64Array, F64Array]:
    """LP duals of an optimal restricted matching, by shortest paths.

    With column duals v <= 0 and v = 0 on unused slots, the largest feasible
    mentee potential u_j is the shortest-path distance from j to an unused
    column, where j -> k costs ``cost(j, i) - cost(k, i)`` when k holds a slot
    of mentor i. Bellman-Ford, vectorised over edges. The mentor price is
    the largest dual of its slots (0 if one is free).
    """
    n_e, n_m = problem.mentees.size, problem.mentors.size
    cap = problem.mentors.capacity
    load = np.bincount(m_m, minlength=n_m)
    full = load >= cap
    matched = np.zeros(n_e, dtype=np.bool_)
    matched[m_e] = True
    edge_cost = np.zeros(n_e, dtype=np.float64)  # cost of each mentee's own pair
    edge_cost[m_e] = pair_cost = cost[np.searchsorted(rows * n_m + cols, m_e * n_m + m_m)]
    # Terminal distance: own dummy (free when matched) or a free mentor slot.
    base = np.where(matched, dummy, np.inf)
    free_edge = ~full[cols]
    np.minimum.at(base, rows[free_edge], cost[free_edge])
    # Arcs j -> k through full mentors: expand every edge (j, i) by i's mentees.
    order = np.argsort(m_m, kind="stable")
    holders = m_e[order]
    first = np.searchsorted(m_m[order], np.arange(n_m))
    sel = np.flatnonzero(full[cols])
    reps = load[cols[sel]]
    src = np.repeat(rows[sel], reps)
    offs = np.arange(src.size, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    dst = holders[np.repeat(first[cols[sel]], reps) + offs]
    arc = np.repeat(cost[sel], reps) - edge_cost[dst]
    keep = src != dst
    src, dst, arc = src[keep], dst[keep], arc[keep]
    u = _shortest_to_free(base, src, dst, arc)
    # Mentees with no path to a free column have no real edge at all; any
    # u >= their own cost is dual-feasible.
    u = np.where(np.isfinite(u), u, dummy)
    price = np.where(full, -np.inf, 0.0)
    np.maximum.at(price, m_m, pair_cost - u[m_e])
    return u, np.minimum(price, 0.0)


def _shortest_to_free(base: F64Array, src: IntArray, dst: IntArray, arc: F64Array) -> F64Array:
    """Bellman-Ford in "frontier" form: u[j] = min(base[j], arc + u[dst]).

    Only arcs into nodes whose distance just dropped are relaxed again, so
    the work follows the (usually small) set of still-changing nodes rather
    than all arcs times the longest path.
    """
    u = base.copy()
    if not src.size:
        return u
    by_dst = np.argsort(dst, kind="stable")
    src, dst, arc = src[by_dst], dst[by_dst], arc[by_dst]
    first = np.searchsorted(dst, np.arange(base.size + 1))
    active = np.flatnonzero(np.isfinite(u))
    for _ in range(base.size + 1):
        if not active.size:
            break
        lo, hi = first[active], first[active + 1]
        count = hi - lo
        idx = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
        if not idx.size:
            break
        cand = arc[idx] + u[dst[idx]]
        heads = src[idx]
        new = u.copy()
        np.minimum.at(new, heads, cand)
        # 1e-10 is ~30 ulps of the ~1e4-sized potentials: rounding noise
        # cannot keep the loop alive, and it is far below _PRICING_TOL.
        changed = np.flatnonzero(new < u - 1e-10)
        u = new
        active = changed
    return u


def _pricing(
    problem: Problem, result: _Restricted, cache: _Cache, add_k: int
) -> tuple[tuple[IntArray, IntArray, F64Array], float]:
    """Find pairs whose reduced cost is negative.

    Returns up to ``add_k`` best such pairs per mentee and the LP bound on
    how much the full problem can still improve on ``result``: lowering each
    mentee's potential by its largest gain makes the duals feasible for
    every pair, so the sum of those gains bounds the remaining improvement.

    Pair (j, i) prices out when reach - s - u_j - price_i < 0, i.e. when its
    gain s + price_i - (reach - u_j) is positive. Prices are <= 0, so only
    pairs scoring above ``reach - u_j`` can: the cache answers for rows
    whose floor is at or below that; the other ("stale") rows are
    recomputed, and cached 4x longer so they rarely need it again. (Pricing
    from the cache alone in early rounds was tried: more, smaller rounds,
    and every extra LAPJVsp solve costs more than the scans it saves.)
    """
    threshold = problem.rules.weights.max_score + 1.0 - result.u
    price = result.price
    stale = np.flatnonzero(cache.floor > threshold)
    if stale.size:
        floor = cache.floor.copy()
        held = np.bincount(cache.mentee, minlength=problem.mentees.size)[stale]
        fresh: list[tuple[IntArray, IntArray, F64Array]] = []
        # Each stale row's list grows 4x (rows grouped by current length).
        for length in np.unique(held).tolist():
            width = 4 * max(1, length)

            def block(
                idx: IntArray, score: F64Array, ok: BoolArray, width: int = width
            ) -> tuple[IntArray, IntArray, F64Array]:
                return _top_pairs(idx, score, ok, width, floor)

            fresh += map_blocks(problem, block, stale[held == length])
        cache.replace_rows(stale, _Cache(*_concat(fresh), floor))
    gain = cache.score + price[cache.mentor] - threshold[cache.mentee]
    hot = np.flatnonzero(gain > _PRICING_TOL)
    if not hot.size:
        empty = np.zeros(0, dtype=np.int64)
        return (empty, empty, np.zeros(0)), 0.0
    rows = cache.mentee[hot]
    best = np.full(problem.mentees.size, 0.0)
    np.maximum.at(best, rows, gain[hot])
    order = hot[np.lexsort((-gain[hot], rows))]
    rows = cache.mentee[order]
    rank = np.arange(rows.size) - np.searchsorted(rows, rows, side="left")
    pick = order[rank < add_k]
    found = (cache.mentee[pick], cache.mentor[pick], cache.score[pick])
    return found, float(best.sum())


def solve_sparse(
    problem: Problem,
    top_k: int = DEFAULT_TOP_K,
    n_random: int = DEFAULT_RANDOM,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    gap: float = DEFAULT_GAP,
    cache_width: int = DEFAULT_CACHE_WIDTH,
) -> Solution:
    """Optimum by column generation on a sparse candidate graph.

    Starts from each mentee's ``top_k`` best and ``n_random`` random
    feasible mentors, solves that restricted assignment exactly (LAPJVsp)
    and computes its LP duals; then prices every pair, adds the improving
    ones (positive gain, i.e. negative reduced cost; up to ``4 * top_k`` per
    mentee) and solves again. Pricing uses a cache of each mentee's
    ``cache_width`` best pairs and recomputes only the rows the cache cannot
    answer for. A round finding no improving pair proves the result optimal
    for the full problem (LP duality; assignment LPs are integral). Each
    round also bounds what the missing pairs could still add; the loop stops
    early once that bound is at most ``gap`` x the current total score
    (``gap=0``: only when exact), or after ``max_rounds`` rounds.
    """
    if top_k < 1 or n_random < 0 or max_rounds < 0 or gap < 0 or cache_width < 1:
        raise ValueError(
            "need top_k >= 1, n_random >= 0, max_rounds >= 0, gap >= 0, cache_width >= 1; "
            f"got {top_k}, {n_random}, {max_rounds}, {gap}, {cache_width}"
        )
    if (trivial := _trivial(problem)) is not None:
        return trivial
    graph, cache, deg_e, deg_m = _first_pass(problem, top_k, n_random, max(cache_width, top_k))
    result = _solve_restricted(problem, graph)
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        # Adding 4x more pairs per round than the initial lists measured
        # fewer, cheaper rounds overall on 10,000-per-side rounds.
        (rows, cols, scores), bound = _pricing(problem, result, cache, 4 * top_k)
        # The bound is on the objective (bonus per pair + score); below one
        # bonus it also proves no pair can be added, so comparing it with
        # the score alone is sound.
        total = float(graph.scores[graph.find(result.mentee, result.mentor)].sum())
        if bound <= gap * total or graph.add(rows, cols, scores) == 0:
            break
        result = _solve_restricted(problem, graph)
    return Solution(result.mentee, result.mentor, deg_e, deg_m, rounds)


def solve_greedy(problem: Problem, top_k: int = 16) -> Solution:
    """Baseline: take feasible pairs by decreasing score while capacity lasts.

    Equivalent to sorting all feasible pairs (ties by mentee, then mentor
    index) and scanning them once, but lazy: each mentee holds its ``top_k``
    best mentors and only recomputes its full row when those are all full,
    so memory stays O(mentees x top_k).
    """
    if (trivial := _trivial(problem)) is not None:
        return trivial
    n_e = problem.mentees.size

    def block(
        idx: IntArray, score: F64Array, ok: BoolArray
    ) -> tuple[tuple[IntArray, IntArray, IntArray], IntArray, IntArray, F64Array]:
        masked = np.where(ok, score, -np.inf)
        rr, cc = _top_per_row(masked, top_k)
        return (idx, ok.sum(axis=1), ok.sum(axis=0)), idx[rr], cc, masked[rr, cc]

    parts = map_blocks(problem, block)
    deg_e, deg_m = _degrees(problem, [p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    cols = np.concatenate([p[2] for p in parts])
    vals = np.concatenate([p[3] for p in parts])
    order = np.lexsort((cols, -vals, rows))
    lists: list[list[tuple[float, int]]] = [[] for _ in range(n_e)]
    for j, v, i in zip(
        rows[order].tolist(), vals[order].tolist(), cols[order].tolist(), strict=True
    ):
        lists[j].append((v, i))
    truncated = (deg_e > top_k).tolist()
    remaining = problem.mentors.capacity.copy()
    pos = [0] * n_e
    heap = [(-lst[0][0], j, lst[0][1]) for j, lst in enumerate(lists) if lst]
    heapq.heapify(heap)
    pending: set[int] = set()
    width_of = [top_k] * n_e
    out_e: list[int] = []
    out_m: list[int] = []
    while heap:
        neg, j, i = heapq.heappop(heap)
        if i >= 0 and remaining[i] > 0:
            remaining[i] -= 1
            out_e.append(j)
            out_m.append(i)
            continue
        if i < 0 and j in pending:
            # A mentee's short list ran out. Refill it, and every other
            # mentee waiting for a refill, in one vectorised batch: the next
            # top_k mentors that still have room. Every mentor passed over
            # is full for good, so an early refill lists exactly the pairs a
            # later one would, minus mentors that fill up meanwhile (skipped
            # when reached).
            batch = np.array(sorted(pending), dtype=np.int64)
            pending.clear()
            score, ok = rows_scores(problem, batch)
            masked = np.where(ok & (remaining > 0)[None, :], score, -np.inf)
            counts = np.isfinite(masked).sum(axis=1)
            # Lists grow 4x per refill: a mentee stuck behind full popular
            # mentors costs O(log) refills, not one per top_k mentors.
            width = max(width_of[jb] for jb in batch.tolist()) * 4
            rr, cc = _top_per_row(masked, width)
            vals = masked[rr, cc]
            order = np.lexsort((cc, -vals, rr))
            for b, jb in enumerate(batch.tolist()):
                lists[jb] = []
                pos[jb] = 0
                width_of[jb] = width
                truncated[jb] = bool(counts[b] > width)
            for b, v, c in zip(
                rr[order].tolist(), vals[order].tolist(), cc[order].tolist(), strict=True
            ):
                lists[batch[b]].append((v, c))
            k = 0
        else:
            # Mentor full (or refill done early): next mentor with room left.
            k = pos[j] + (1 if i >= 0 else 0)
        lst = lists[j]
        while k < len(lst) and remaining[lst[k][1]] == 0:
            k += 1
        pos[j] = k
        if k < len(lst):
            heapq.heappush(heap, (-lst[k][0], j, lst[k][1]))
        elif truncated[j]:
            # Placeholder keyed by an upper bound of the next pair's score.
            pending.add(j)
            heapq.heappush(heap, (neg, j, -1))
    return Solution(np.array(out_e, dtype=np.int64), np.array(out_m, dtype=np.int64), deg_e, deg_m)
