"""Anonymity rules for statistics built from feedback: pure functions, no database.

- A figure built from feedback is shown only when its slice has at least ``k``
  answers (``MENTORING_ANONYMITY_K``, default 5, never below 3).
- Comments are shown only when the slice has at least ``comment_k`` answers
  (``MENTORING_COMMENT_K``, default 10), shuffled, one line each, truncated.
- Complementary suppression: when a slice of a partition is hidden, its
  next-smallest sibling is hidden too, and so on until the hidden slices
  together hold at least ``k`` answers. So the total minus the visible slices
  never gives away one small slice. Across partitions and reports, the
  disclosure auditor (``bot.stats.disclosure``) applies the same rule to every
  relation at once.
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from bot.stats.disclosure import Relation, audit

MIN_K = 3
COMMENT_EXCERPT_CHARS = 280
COMMENT_EXCERPTS = 5

K = TypeVar("K", bound=Hashable)

_SYSTEM_RANDOM = random.SystemRandom()


def anonymity_k(configured: int) -> int:
    """The effective threshold: the configured one, never below ``MIN_K``."""
    return max(MIN_K, configured)


def comment_k(configured: int, k: int) -> int:
    """The effective comment threshold: never below the anonymity threshold."""
    return max(k, configured)


def is_visible(answers: int, k: int) -> bool:
    """A slice's feedback figures may be shown: at least ``k`` answers."""
    return answers >= k


def hidden_slices(counts: Mapping[K, int], k: int) -> frozenset[K]:
    """The slices of one partition whose feedback figures must not be shown.

    ``counts`` gives the number of answers in every slice of the partition
    (all of them, including the ones not displayed, so that the arithmetic
    holds). The partition's total is known to the reader. This is the
    disclosure auditor (``bot.stats.disclosure``) on the simplest table: one
    total and its slices.
    """
    total = _Total()
    table: dict[Hashable, int] = {total: sum(counts.values())}
    table.update((key, n) for key, n in counts.items())
    found = audit(table, [Relation[Hashable](total, tuple(counts))], k)
    return frozenset(key for key in counts if key in found)


class _Total:
    """The key of a partition's total, unlike any slice's key."""

    def __repr__(self) -> str:
        return "<total>"


def nps(promoters: int, detractors: int, answers: int) -> int | None:
    """Net promoter score: % of 9–10 minus % of 0–6, from −100 to +100."""
    if answers <= 0:
        return None
    return round(100 * (promoters - detractors) / answers)


_MARKUP = str.maketrans({"<": "‹", ">": "›", "`": "'", "\r": " ", "\n": " ", "\t": " "})


def clean_excerpt(comment: str, limit: int = COMMENT_EXCERPT_CHARS) -> str:
    """One line, no mention or link syntax (``<!channel>``, ``<@U1>``), at most ``limit`` chars."""
    text = re.sub(r"\s+", " ", comment.translate(_MARKUP)).strip()
    text = re.sub(r"@(channel|here|everyone)\b", r"\1", text, flags=re.IGNORECASE)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


def comment_excerpts(
    comments: Sequence[str],
    answers: int,
    threshold: int,
    *,
    limit: int = COMMENT_EXCERPTS,
    rng: random.Random | None = None,
) -> list[str]:
    """Up to ``limit`` shuffled, cleaned excerpts, or none when the slice is below ``threshold``."""
    if answers < threshold:
        return []
    pool = [c for c in comments if c and c.strip()]
    (rng or _SYSTEM_RANDOM).shuffle(pool)
    return [clean_excerpt(c) for c in pool[:limit]]
