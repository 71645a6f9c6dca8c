"""The anonymity rules: thresholds, complementary suppression, comment excerpts."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from bot.stats.privacy import (
    MIN_K,
    anonymity_k,
    clean_excerpt,
    comment_excerpts,
    comment_k,
    hidden_slices,
    is_visible,
    nps,
)

ks = st.integers(min_value=MIN_K, max_value=12)
partitions = st.dictionaries(
    st.sampled_from(["mentor", "mentee", "other", "p1", "p2", "p3", "p4"]),
    st.integers(min_value=0, max_value=40),
    max_size=7,
)


@given(partitions, ks)
def test_every_slice_below_k_is_hidden(counts: dict[str, int], k: int) -> None:
    hidden = hidden_slices(counts, k)
    assert all(key in hidden for key, n in counts.items() if 0 < n < k)


@given(partitions, ks)
def test_the_total_minus_the_visible_slices_never_isolates_a_small_group(
    counts: dict[str, int], k: int
) -> None:
    hidden = hidden_slices(counts, k)
    total = sum(counts.values())
    residue = total - sum(n for key, n in counts.items() if key not in hidden)
    # What subtraction recovers is nothing, or a group of at least k answers, or the whole
    # total (which is then below k and hidden itself).
    assert residue == 0 or residue >= k or residue == total
    if residue and residue < k:
        assert not is_visible(total, k)


@given(partitions, ks)
def test_a_hidden_slice_never_stays_alone(counts: dict[str, int], k: int) -> None:
    hidden = hidden_slices(counts, k)
    nonempty = {key for key, n in counts.items() if n > 0}
    assert not hidden or len(hidden) >= 2 or hidden == nonempty


@given(partitions, ks)
def test_only_the_smallest_slices_are_hidden(counts: dict[str, int], k: int) -> None:
    hidden = hidden_slices(counts, k)
    visible = [n for key, n in counts.items() if key not in hidden and n > 0]
    assert all(counts[key] <= min(visible) for key in hidden) if visible else True
    assert all(counts[key] > 0 for key in hidden)


@given(partitions, ks)
def test_nothing_is_hidden_when_every_slice_is_large_enough(counts: dict[str, int], k: int) -> None:
    big = {key: n for key, n in counts.items() if n == 0 or n >= k}
    assert hidden_slices(big, k) == frozenset()


def test_the_next_smallest_sibling_is_hidden_with_a_small_slice() -> None:
    assert hidden_slices({"mentor": 4, "mentee": 9}, 5) == {"mentor", "mentee"}
    assert hidden_slices({"mentor": 4, "mentee": 30, "other": 9}, 5) == {"mentor", "other"}
    # Two small slices together still below k: a third one is hidden.
    assert hidden_slices({"a": 1, "b": 1, "c": 50, "d": 60}, 5) == {"a", "b", "c"}
    assert hidden_slices({"mentor": 5, "mentee": 9}, 5) == frozenset()
    assert hidden_slices({"mentor": 0, "mentee": 9}, 5) == frozenset()


def test_k_is_never_below_three_and_comments_need_at_least_k() -> None:
    assert anonymity_k(1) == 3
    assert anonymity_k(5) == 5
    assert comment_k(2, 5) == 5
    assert comment_k(10, 5) == 10
    assert not is_visible(4, 5)
    assert is_visible(5, 5)


def test_nps_is_promoters_minus_detractors() -> None:
    assert nps(6, 2, 10) == 40
    assert nps(0, 10, 10) == -100
    assert nps(0, 0, 0) is None


@given(st.lists(st.text(min_size=1, max_size=2000), max_size=30), st.integers(0, 30))
def test_comments_appear_only_from_the_threshold_and_are_bounded(
    comments: list[str], answers: int
) -> None:
    excerpts = comment_excerpts(comments, answers, 10, rng=random.Random(1))
    if answers < 10:
        assert excerpts == []
    assert len(excerpts) <= 5
    assert all(len(e) <= 280 and "\n" not in e and "<" not in e for e in excerpts)


def test_comments_are_shuffled() -> None:
    comments = [f"comment {i}" for i in range(20)]
    orders = {tuple(comment_excerpts(comments, 20, 10, limit=20)) for _ in range(5)}
    assert len(orders) > 1


def test_an_excerpt_cannot_ping_a_channel_and_is_cut_on_a_word() -> None:
    assert clean_excerpt("Hello <!channel> and <@U123>\nbye") == "Hello ‹!channel› and ‹@U123› bye"
    assert clean_excerpt("ping @here please") == "ping here please"
    long = clean_excerpt("word " * 100)
    assert long.endswith("…") and len(long) <= 280 and not long.endswith(" …")
