"""Soft-score terms that depend only on candidate *profiles*.

Language, working-hours overlap, frequency and priority-track terms depend
on a handful of attributes that many candidates share, so they are computed
once per (mentee profile, mentor profile) pair and then gathered.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .model import Weights

MINUTES_PER_DAY = 24 * 60
#: A full working-hours overlap is worth 8 hours.
FULL_OVERLAP_MINUTES = 8 * 60
#: Score of the frequency term by distance between the two preferences.
FREQUENCY_SCORE = np.array([1.0, 0.5, 0.0], dtype=np.float64)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
U64Array = npt.NDArray[np.uint64]
F64Array = npt.NDArray[np.float64]


def overlap_minutes(
    start_a: IntArray, len_a: IntArray, start_b: IntArray, len_b: IntArray
) -> IntArray:
    """Overlap of two daily working windows on the 24 h UTC circle, in minutes.

    Starts are UTC minutes in [0, 1440) and lengths at most 1440, so the
    circle overlap is the sum of the straight-line overlaps of window A with
    window B shifted by -1, 0 and +1 day.
    """
    end_a = start_a + len_a
    total = np.zeros(np.broadcast_shapes(np.shape(start_a), np.shape(start_b)), dtype=np.int64)
    for shift in (-MINUTES_PER_DAY, 0, MINUTES_PER_DAY):
        lo = np.maximum(start_a, start_b + shift)
        hi = np.minimum(end_a, start_b + len_b + shift)
        total += np.maximum(hi - lo, 0)
    return total


def overlap_minutes_scalar(start_a: int, len_a: int, start_b: int, len_b: int) -> int:
    """Plain-Python twin of :func:`overlap_minutes` for a single pair."""
    total = 0
    for shift in (-MINUTES_PER_DAY, 0, MINUTES_PER_DAY):
        lo = max(start_a, start_b + shift)
        hi = min(start_a + len_a, start_b + len_b + shift)
        total += max(0, hi - lo)
    return total


def base_terms(
    weights: Weights,
    mentee_lang: U64Array,
    mentor_lang: U64Array,
    mentee_start: IntArray,
    mentee_len: IntArray,
    mentor_start: IntArray,
    mentor_len: IntArray,
    mentee_freq: IntArray,
    mentor_freq: IntArray,
    mentee_prio: BoolArray,
    mentor_prio: BoolArray,
) -> F64Array:
    """Weighted sum of the language, hours, frequency and track terms.

    Arguments broadcast against each other (language masks carry a trailing
    word axis). The order of operations is fixed so that every caller gets
    bit-identical values.
    """
    inter = np.bitwise_and(mentee_lang, mentor_lang)
    lang = (inter != 0).any(axis=-1)
    overlap = overlap_minutes(mentor_start, mentor_len, mentee_start, mentee_len)
    hours = np.minimum(overlap / FULL_OVERLAP_MINUTES, 1.0)
    freq = FREQUENCY_SCORE[np.abs(mentee_freq - mentor_freq)]
    track = mentee_prio | mentor_prio
    out = lang * weights.language
    out = out + hours * weights.timezone
    out = out + freq * weights.frequency
    out = out + track * weights.track
    return np.asarray(out, dtype=np.float64)
