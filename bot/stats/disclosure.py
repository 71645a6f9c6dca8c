"""The disclosure auditor: which cells of a published table must be suppressed.

A *table* is a set of cells (a count of answers each: a programme, a role in a
programme, a track, a chart point...) and the additive relations between them
(``parent = sum(children)``: programme ⊂ all, role ⊂ total, track ⊂ total,
week ⊂ month ⊂ period; and across scopes, "mentors of all programmes" = the sum
of each programme's mentors). Whoever reads the published cells knows these
relations, so a hidden cell may be recovered by adding and subtracting published
ones along any chain of relations, not only within one partition.

``audit`` returns the cells to suppress: every cell with ``0 < n < k`` answers
(primary suppression), then, one at a time, more cells (secondary suppression)
until

- no primary cell is determined by the published cells and the relations
  (exactly: its unit vector is not in the row space of the relations restricted
  to the hidden cells), and
- within each relation, the hidden children, if their sum is determined, hold
  0 or at least ``k`` answers together (a small group is as telling as one cell).

Every measure of a cell (the count, the sum of the ratings behind an average,
the promoters behind an NPS) obeys the same relations, so a cell that is not
determined is not determined for any of them. Averages are published rounded to
one decimal, which keeps the sums behind them inexact besides.

A pure function, no database: property tests try the linear attacks on it.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Relation(Generic[K]):
    """``parent`` = the sum of ``children`` (the children partition the parent)."""

    parent: K
    children: tuple[K, ...]


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of ``{x : matrix @ x = 0}`` (one column per dimension)."""
    columns = matrix.shape[1]
    if matrix.shape[0] == 0:
        return np.eye(columns)
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > _TOLERANCE * max(matrix.shape)).sum())
    return vt[rank:].T.reshape(columns, columns - rank)


class _Audit(Generic[K]):
    def __init__(
        self,
        counts: Mapping[K, int],
        relations: Sequence[Relation[K]],
        k: int,
        shown: Collection[K],
    ) -> None:
        self.counts = counts
        self.relations = [r for r in relations if r.parent in counts]
        self.k = k
        self.shown = frozenset(shown)
        self.hidden: list[K] = sorted(
            (key for key, n in counts.items() if 0 < n < k and key not in self.shown),
            key=self._order,
        )
        self.primary = set(self.hidden)

    def _order(self, key: K) -> tuple[int, str]:
        return self.counts[key], repr(key)

    def _basis(self) -> tuple[dict[K, int], np.ndarray]:
        index = {key: i for i, key in enumerate(self.hidden)}
        rows = []
        for r in self.relations:
            row = np.zeros(len(self.hidden))
            for key, sign in ((r.parent, -1.0), *((c, 1.0) for c in r.children)):
                if key in index:
                    row[index[key]] += sign
            if row.any():
                rows.append(row)
        matrix = np.array(rows).reshape(len(rows), len(self.hidden))
        return index, _null_space(matrix)

    def _leak(self) -> tuple[K, ...] | None:
        """Cells whose (sum of) counts can be recovered although below ``k``, if any."""
        if not self.hidden:
            return None
        index, basis = self._basis()

        def fixed(keys: Sequence[K]) -> bool:
            vector = basis[[index[key] for key in keys]].sum(axis=0)
            return bool(np.abs(vector).max(initial=0.0) < 1e-7)

        for key in self.hidden:
            if key in self.primary and fixed([key]):
                return (key,)
        for r in self.relations:
            group = [c for c in r.children if c in index]
            if not group or len(group) == len(r.children):
                continue  # the whole partition: its sum is the parent, shown or not
            total = sum(self.counts[c] for c in group)
            if 0 < total < self.k and fixed(group):
                return tuple(group)
        return None

    def _protector(self, leak: tuple[K, ...]) -> K | None:
        """The published cell to hide next: the smallest non-empty one (a child before a
        parent) in a relation reached from the leak through hidden cells only, since a
        leak may run along a chain of relations (Beta's mentors = all mentors − Alpha's,
        all mentors = all − all mentees...)."""
        hidden = set(self.hidden)
        reached, frontier = set(leak), list(leak)
        candidates: list[tuple[bool, int, int, str, K]] = []
        seen_relations: set[int] = set()
        while frontier:
            key = frontier.pop()
            for number, r in enumerate(self.relations):
                members = (r.parent, *r.children)
                if number in seen_relations or key not in members:
                    continue
                seen_relations.add(number)
                for rank, member in [(1, r.parent), *((0, c) for c in r.children)]:
                    if member in hidden:
                        if member not in reached:
                            reached.add(member)
                            frontier.append(member)
                    elif member in self.counts and member not in self.shown:
                        n = self.counts[member]
                        candidates.append((n == 0, rank, n, repr(member), member))
        return min(candidates)[4] if candidates else None

    def run(self) -> frozenset[K]:
        while (leak := self._leak()) is not None:
            protector = self._protector(leak)
            if protector is None:  # cannot happen: a determined cell has a published neighbour
                break
            self.hidden.append(protector)
        return frozenset(self.hidden)


def audit(
    counts: Mapping[K, int],
    relations: Sequence[Relation[K]],
    k: int,
    *,
    shown: Collection[K] = (),
) -> frozenset[K]:
    """The cells to suppress so that no cell below ``k`` can be recovered (see the module).

    ``shown``: cells published whatever their count (e.g. a programme's number of
    active pairs, which is not about anyone's answers), never suppressed.
    """
    return _Audit(counts, relations, k, shown).run()


def leaks(
    counts: Mapping[K, int],
    relations: Sequence[Relation[K]],
    k: int,
    published: Collection[K],
) -> bool:
    """True when publishing exactly ``published`` (every other cell hidden) lets a cell
    below ``k``, or a small group of hidden siblings, be recovered through the relations.

    The check behind the period rules: ``published`` is what earlier reports showed
    plus the figure about to be shown.
    """
    check = _Audit(counts, relations, k, ())
    check.hidden = sorted((key for key in counts if key not in published), key=check._order)
    check.primary = {key for key in check.hidden if 0 < counts[key] < k}
    return check._leak() is not None
