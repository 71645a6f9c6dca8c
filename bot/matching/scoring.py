"""Vectorised hard constraints and soft score.

One kernel serves both shapes the solvers need: a block (mentee rows x all
mentors, via broadcasting) and a flat list of pairs. Both run the very same
float64 arithmetic, so a pair's score is bit-identical whichever solver
looked at it, and dense and sparse results can be compared exactly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from .model import Candidate, Reason, Rules
from .prepare import BoolArray, IntArray, Problem
from .terms import (
    FULL_OVERLAP_MINUTES,
    MINUTES_PER_DAY,
    F64Array,
    base_terms,
    overlap_minutes_scalar,
)

#: Cells (mentee x mentor pairs) per block. ~1.3 MB per float64 temporary
#: keeps a block's working set in the CPU cache, which measured ~2x faster
#: than 20 MB blocks, and bounds memory whatever the programme size.
BLOCK_CELLS = 160_000
_TWO_POW_32 = 4294967296.0
#: Threads for block sweeps: numpy releases the GIL inside its loops, so
#: blocks run in parallel on a multi-core machine.
MAX_THREADS = 4

T = TypeVar("T")


def _noise(problem: Problem, e: IntArray, m: IntArray) -> F64Array:
    # Product of two odd per-candidate keys (drawn via random.Random(seed)),
    # high bits folded down: cheap, deterministic for a seed, independent of
    # the input order, and uniform enough to break ties.
    x = problem.mentors.noise_key[m] * problem.mentees.noise_key[e]
    x ^= x >> np.uint32(16)
    return np.asarray(x * (problem.rules.weights.noise / _TWO_POW_32), dtype=np.float64)


def _base(problem: Problem, e: IntArray, m: IntArray) -> F64Array:
    me, mm = problem.mentees, problem.mentors
    pe, pm = me.profile[e], mm.profile[m]
    table = problem.base_table
    if table is not None:
        block = pe.ndim == 2 and pe.shape[1] == 1 and pm.ndim == 2 and pm.shape[0] == 1
        if block and problem.base_rows is not None and pm.shape[1] == mm.size:
            # Block against all mentors: plain row copies of the expansion.
            return problem.base_rows[pe[:, 0]]
        if block:
            # Gather table rows, then columns: much faster than a 2-D fancy
            # index over the whole block.
            return np.asarray(np.take(table[pe[:, 0]], pm[0], axis=1), dtype=np.float64)
        return table[pe, pm]
    fe, fm = me.profiles, mm.profiles
    return base_terms(
        problem.rules.weights,
        fe.languages[pe],
        fm.languages[pm],
        fe.window_start[pe],
        fe.window_length[pe],
        fm.window_start[pm],
        fm.window_length[pm],
        fe.frequency[pe],
        fm.frequency[pm],
        fe.priority[pe],
        fm.priority[pm],
    )


def _kernel(problem: Problem, e: IntArray, m: IntArray) -> tuple[F64Array, BoolArray]:
    """Scores and feasibility for mentee indices ``e`` x mentor indices ``m``.

    ``e`` and ``m`` broadcast against each other: (r, 1) with (1, M) gives
    a block, two (k,) arrays give k pairs. Pairs from the sparse banned list
    (forbidden, reporting line, same person) are NOT applied here.
    """
    me, mm = problem.mentees, problem.mentors
    rules = problem.rules
    # Hard rules expressible per candidate. Mentor and mentee "no
    # department" codes differ (-2 / -1) so they never compare equal.
    # Seniorities are 1..6, so any gap above 6 acts like 6 (nothing fits);
    # capping it keeps the int16 arithmetic safe for absurd settings.
    gap = min(rules.seniority_gap, 6)
    if rules.kind == "reverse":
        ok = mm.seniority[m].astype(np.int16) + gap <= me.seniority[e]
    else:
        ok = mm.seniority[m] >= me.seniority[e].astype(np.int16) + gap
    if rules.separate_departments:
        ok &= me.department[e] != mm.department[m]

    t_e, t_m = me.topics, mm.topics
    if t_e.shape[1] == 1:
        shared = np.bitwise_count(t_e[:, 0][e] & t_m[:, 0][m])
    else:
        shared = np.bitwise_count(t_e[e] & t_m[m]).sum(axis=-1, dtype=np.int64)
    score = shared * me.topic_weight[e]
    score += _base(problem, e, m)
    score += _noise(problem, e, m)
    return score, ok


def _apply_banned(problem: Problem, rows: IntArray, ok: BoolArray) -> None:
    banned_e = problem.banned_mentee
    if not banned_e.size or not rows.size:
        return
    if rows[-1] - rows[0] + 1 == rows.size:
        # Contiguous block (the common case): banned pairs are a slice.
        lo, hi = np.searchsorted(banned_e, [rows[0], rows[-1] + 1])
        ok[banned_e[lo:hi] - rows[0], problem.banned_mentor[lo:hi]] = False
    else:
        sel = np.isin(banned_e, rows)
        ok[np.searchsorted(rows, banned_e[sel]), problem.banned_mentor[sel]] = False


def pair_scores(problem: Problem, e: IntArray, m: IntArray) -> tuple[F64Array, BoolArray]:
    """Scores and full feasibility (banned pairs included) of flat pairs."""
    e = np.asarray(e, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    score, ok = _kernel(problem, e, m)
    if problem.banned_mentee.size and e.size:
        n_m = max(problem.mentors.size, 1)
        banned_keys = problem.banned_mentee * n_m + problem.banned_mentor
        ok &= ~np.isin(e * n_m + m, banned_keys)
    return np.asarray(score, dtype=np.float64), np.asarray(ok, dtype=np.bool_)


def rows_scores(problem: Problem, rows: IntArray) -> tuple[F64Array, BoolArray]:
    """Scores and full feasibility of the mentees ``rows`` (sorted, unique)
    against every mentor, as ``(len(rows), n_mentors)`` arrays."""
    rows = np.asarray(rows, dtype=np.int64)
    shape = (rows.size, problem.mentors.size)
    score, ok = _kernel(problem, rows[:, None], np.arange(shape[1], dtype=np.int64)[None, :])
    score = np.broadcast_to(score, shape)
    if ok.shape != shape:  # degenerate broadcasts only; the result must be writable
        ok = np.array(np.broadcast_to(ok, shape))
    _apply_banned(problem, rows, ok)
    return score, ok


def _number(value: float) -> int | float:
    # Whole hours read better as ints in rendered text ("3 h", not "3.0 h").
    return int(value) if float(value).is_integer() else round(value, 2)


def _window(c: Candidate) -> tuple[int, int]:
    start = (c.work_start_hour * 60 - c.utc_offset_minutes) % MINUTES_PER_DAY
    return start, ((c.work_end_hour - c.work_start_hour) % 24 or 24) * 60


def pair_reasons(mentor: Candidate, mentee: Candidate, rules: Rules) -> tuple[Reason, ...]:
    """Structured reasons for a pair, most valuable first.

    Codes: ``shared_topics`` (count, topics), ``priority_track`` (track),
    ``common_language`` (language, languages), ``same_frequency``
    (frequency), ``hours_apart`` (hours, overlap_hours; always present).
    """
    w = rules.weights
    found: list[tuple[float, int, Reason]] = []
    shared = sorted(mentor.topics & mentee.topics)
    if shared:
        value = w.topic * len(shared) / max(1, len(mentee.topics))
        params: dict[str, str | int | float] = {"count": len(shared), "topics": ", ".join(shared)}
        found.append((value, 0, Reason("shared_topics", params)))
    tracks = sorted((mentor.tracks | mentee.tracks) & rules.priority_tracks)
    if tracks:
        found.append((w.track, 1, Reason("priority_track", {"track": tracks[0]})))
    languages = sorted(mentor.languages & mentee.languages)
    if languages:
        params = {"language": languages[0], "languages": ", ".join(languages)}
        found.append((w.language, 2, Reason("common_language", params)))
    if mentor.frequency == mentee.frequency:
        found.append((w.frequency, 3, Reason("same_frequency", {"frequency": mentor.frequency})))
    overlap = overlap_minutes_scalar(*_window(mentor), *_window(mentee))
    apart = abs(mentor.utc_offset_minutes - mentee.utc_offset_minutes) / 60
    params = {"hours": _number(apart), "overlap_hours": _number(overlap / 60)}
    value = w.timezone * min(overlap / FULL_OVERLAP_MINUTES, 1.0)
    found.append((value, 4, Reason("hours_apart", params)))
    found.sort(key=lambda item: (-item[0], item[1]))
    return tuple(reason for _, _, reason in found)


def _threads() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


def map_blocks(
    problem: Problem,
    fn: Callable[[IntArray, F64Array, BoolArray], T],
    rows: IntArray | None = None,
) -> list[T]:
    """``[fn(mentee_indices, scores, feasible) for each block]``, in order.

    Blocks cover all mentees, or only ``rows`` (sorted, unique) when given,
    against every mentor. They are computed on a small thread pool; ``fn``
    must only touch its own block's data. Results come back in order, so
    callers stay deterministic whatever the scheduling.
    """
    todo = np.arange(problem.mentees.size, dtype=np.int64) if rows is None else rows
    step = max(8, BLOCK_CELLS // max(problem.mentors.size, 1))
    chunks = [todo[k : k + step] for k in range(0, todo.size, step)]

    def run(idx: IntArray) -> T:
        score, ok = rows_scores(problem, idx)
        return fn(idx, score, ok)

    threads = _threads()
    if threads == 1 or len(chunks) < 2:
        return [run(idx) for idx in chunks]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, chunks))
