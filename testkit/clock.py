"""A monotonic clock for tests and fakes: it only moves when told to."""

from __future__ import annotations


class ManualClock:
    """Expire trigger ids, refill rate-limit buckets or age caches without sleeping.

    Pass an instance wherever a ``clock: Callable[[], float]`` is taken.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        """Start the clock at ``start`` seconds."""
        self.now = float(start)

    def __call__(self) -> float:
        """Return the current time in seconds."""
        return self.now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go backwards")
        self.now += seconds
        return self.now
