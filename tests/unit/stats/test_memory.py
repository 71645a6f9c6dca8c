"""The period rules' pure parts: the calendar tree and the consistency check."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.stats.disclosure import Relation, leaks
from bot.stats.memory import is_calendar, is_open, scope_table, year_mondays, year_tree
from bot.stats.periods import parse_period
from storage.stats import FeedbackTotals
from tests.unit.stats.test_disclosure import recoverable

MONDAYS = year_mondays(2025)
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def test_the_tree_of_a_year_splits_without_overlap() -> None:
    counts, relations = year_tree(2025, [1] * len(MONDAYS), MONDAYS)
    assert counts["2025"] == len(MONDAYS) == 52
    assert "2025-W01" not in counts and "2026-W01" in counts  # Monday 2025-12-29
    assert counts["2025-12"] == 5 and counts["2025-Q4"] == 13
    for r in relations:
        assert counts[r.parent] == sum(counts[c] for c in r.children)
    children = [c for r in relations for c in r.children]
    assert len(children) == len(set(children))  # each bucket in exactly one parent


def test_open_and_closed_periods() -> None:
    assert is_open(parse_period("month", NOW), NOW)  # a rolling window ends now
    assert is_open(parse_period("2026-12", NOW), NOW)
    assert not is_open(parse_period("2026-11", NOW), NOW)
    assert is_calendar("2026-W48") and is_calendar("2026-Q4") and is_calendar("2026")
    assert not is_calendar("month") and not is_calendar("all")


def test_a_month_after_its_weeks_leaks_the_small_week() -> None:
    november = [i for i, monday in enumerate(MONDAYS) if monday.month == 11]
    weekly = [0] * len(MONDAYS)
    for i, n in zip(november, [5, 5, 5, 1], strict=True):  # November 2025 has four Mondays
        weekly[i] = n
    counts, relations = year_tree(2025, weekly, MONDAYS)
    weeks = ["2025-W45", "2025-W46", "2025-W47"]
    assert not leaks(counts, relations, 5, weeks)
    assert leaks(counts, relations, 5, [*weeks, "2025-11"])
    assert not leaks(counts, relations, 5, ["2025-11"])
    assert leaks(counts, relations, 5, ["2025-11", *weeks])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 7), min_size=len(MONDAYS), max_size=len(MONDAYS)),
    st.sets(st.integers(0, 200)),
    st.sampled_from([3, 5]),
)
def test_what_passes_the_check_gives_no_small_cell_or_group_away(
    weekly: list[int], picks: set[int], k: int
) -> None:
    counts, relations = year_tree(2025, weekly, MONDAYS)
    labels = sorted(counts)
    # Publish greedily, as reports do one after another: each only if the check passes.
    published: list[str] = []
    for pick in sorted(picks):
        label = labels[pick % len(labels)]
        if counts[label] >= k and not leaks(counts, relations, k, [*published, label]):
            published.append(label)
    # The independent exact solver of the auditor's own tests, on (tree, label) cells.
    cells = {("tree", label): n for label, n in counts.items()}
    rules = [
        Relation(("tree", r.parent), tuple(("tree", c) for c in r.children)) for r in relations
    ]
    hidden = frozenset(("tree", label) for label in labels if label not in published)
    for cell in hidden:
        if 0 < cells[cell] < k:
            assert not recoverable(cells, rules, hidden, [cell])
    for r in rules:
        group = [c for c in r.children if c in hidden]
        if group and len(group) < len(r.children) and 0 < sum(cells[c] for c in group) < k:
            assert not recoverable(cells, rules, hidden, group)


def totals(programme_id: int | None, role: str | None, answers: int) -> FeedbackTotals:
    return FeedbackTotals(0, programme_id, role, answers, answers, 3 * answers, answers, 0, 0)


def test_the_scopes_table_holds_its_relations_and_catches_the_role_difference() -> None:
    rows = [totals(1, "mentor", 5), totals(1, "mentee", 5), totals(2, "mentor", 1)]
    rows += [totals(2, "mentee", 5), totals(None, None, 5)]  # a deleted programme's answers
    counts, relations = scope_table(rows)
    for r in relations:
        assert counts[r.parent] == sum(counts[c] for c in r.children), r
    everything_of_all = [c for c in counts if c[0] == "all" and c[1] != "programme:None"]
    assert not leaks(counts, relations, 5, everything_of_all)
    alpha = [
        ("programme:1", "total"),
        ("programme:1", "role:mentor"),
        ("programme:1", "role:mentee"),
    ]
    assert leaks(counts, relations, 5, [*everything_of_all, *alpha])
    assert not leaks(counts, relations, 5, [*everything_of_all, alpha[0]])
