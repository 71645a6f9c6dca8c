"""The disclosure auditor against linear attacks: generated populations, every hierarchy.

The attacker here is written independently of the auditor (exact fractions, not
floating-point SVD): it knows every published cell and every relation, and tries
to recover a hidden cell, or a small group of hidden cells, by adding and
subtracting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bot.stats.disclosure import Relation, audit

PROGRAMMES = ("Alpha", "Beta", "Gamma")
ROLES = ("mentor", "mentee", "other")
WEEKS = tuple(range(6))  # weeks 0-2 in the first month, 3-5 in the second
Cell = tuple[str, str]


def table(answers: Sequence[tuple[str, str, int]]) -> tuple[dict[Cell, int], list[Relation[Cell]]]:
    """The cells a report and the export publish, and the relations a reader knows."""
    counts: Counter[Cell] = Counter()
    scopes = ("all", *PROGRAMMES)
    for programme, role, week in answers:
        for scope in ("all", programme):
            counts[(scope, "total")] += 1
            counts[(scope, f"role:{role}")] += 1
            counts[(scope, f"week:{week}")] += 1
            counts[(scope, f"month:{week // 3}")] += 1
    cells = {
        (scope, name): counts[(scope, name)]
        for scope in scopes
        for name in (
            "total",
            *(f"role:{r}" for r in ROLES),
            *(f"week:{w}" for w in WEEKS),
            "month:0",
            "month:1",
        )
    }
    relations: list[Relation[Cell]] = []
    for scope in scopes:
        relations.append(Relation((scope, "total"), tuple((scope, f"role:{r}") for r in ROLES)))
        relations.append(Relation((scope, "total"), ((scope, "month:0"), (scope, "month:1"))))
        for month in (0, 1):
            weeks = tuple((scope, f"week:{w}") for w in WEEKS if w // 3 == month)
            relations.append(Relation((scope, f"month:{month}"), weeks))
    for name in {name for _, name in cells}:
        relations.append(Relation(("all", name), tuple((p, name) for p in PROGRAMMES)))
    return cells, relations


def recoverable(
    counts: Mapping[Cell, int],
    relations: Sequence[Relation[Cell]],
    hidden: frozenset[Cell],
    combination: Sequence[Cell],
) -> bool:
    """Whether the sum of these hidden cells follows from the published ones (exactly)."""
    unknowns = sorted(hidden)
    position = {key: i for i, key in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for r in relations:
        row = [Fraction(0)] * len(unknowns)
        for key, sign in ((r.parent, -1), *((c, 1) for c in r.children)):
            if key in position:
                row[position[key]] += sign
        if any(row):
            rows.append(row)
    echelon: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        row = reduce(row, echelon)
        pivot = next((i for i, v in enumerate(row) if v), None)
        if pivot is not None:
            echelon.append((pivot, [v / row[pivot] for v in row]))
    target = [Fraction(0)] * len(unknowns)
    for key in combination:
        target[position[key]] += 1
    return not any(reduce(target, echelon))


def reduce(row: list[Fraction], echelon: list[tuple[int, list[Fraction]]]) -> list[Fraction]:
    row = list(row)
    for pivot, basis in echelon:
        if row[pivot]:
            factor = row[pivot]
            row = [a - factor * b for a, b in zip(row, basis, strict=True)]
    return row


answers_strategy = st.lists(
    st.tuples(st.sampled_from(PROGRAMMES), st.sampled_from(ROLES), st.sampled_from(WEEKS)),
    max_size=60,
)


@given(answers_strategy, st.sampled_from([3, 5]))
def test_no_hidden_cell_below_k_can_be_recovered(
    answers: list[tuple[str, str, int]], k: int
) -> None:
    counts, relations = table(answers)
    hidden = audit(counts, relations, k)
    small = {key for key, n in counts.items() if 0 < n < k}
    assert small <= hidden  # primary suppression
    for key in small:
        assert not recoverable(counts, relations, hidden, [key]), key
    for r in relations:  # nor a small group of hidden siblings
        group = [c for c in r.children if c in hidden]
        total = sum(counts[c] for c in group)
        if group and 0 < total < k:
            assert not recoverable(counts, relations, hidden, group), (r, group)


@given(answers_strategy, st.sampled_from([3, 5]))
def test_nothing_is_hidden_without_a_reason(answers: list[tuple[str, str, int]], k: int) -> None:
    counts, relations = table(answers)
    hidden = audit(counts, relations, k)
    if not any(0 < n < k for n in counts.values()):
        assert hidden == frozenset()
    assert hidden <= set(counts)


def test_the_issues_export_example_is_closed() -> None:
    # `all,role:mentor,6` next to `Alpha,role:mentor,5`: Beta's only mentor answered 1.
    counts: dict[Cell, int] = {
        ("all", "total"): 20,
        ("Alpha", "total"): 12,
        ("Beta", "total"): 8,
        ("all", "mentor"): 6,
        ("Alpha", "mentor"): 5,
        ("Beta", "mentor"): 1,
        ("all", "mentee"): 14,
        ("Alpha", "mentee"): 7,
        ("Beta", "mentee"): 7,
    }
    relations = [
        Relation(("all", "total"), (("Alpha", "total"), ("Beta", "total"))),
        Relation(("all", "mentor"), (("Alpha", "mentor"), ("Beta", "mentor"))),
        Relation(("all", "mentee"), (("Alpha", "mentee"), ("Beta", "mentee"))),
        *(Relation((s, "total"), ((s, "mentor"), (s, "mentee"))) for s in ("all", "Alpha", "Beta")),
    ]
    hidden = audit(counts, relations, 5)
    assert ("Beta", "mentor") in hidden
    assert not recoverable(counts, relations, hidden, [("Beta", "mentor")])
    # Some of the sums that would give it away are hidden too (secondary suppression).
    assert len(hidden) > 1
