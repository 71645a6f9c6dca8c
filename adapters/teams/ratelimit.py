"""Teams' per-conversation limits, kept on our side so that we rarely meet a 429.

Teams allows a bot, per conversation, 7 messages per second, 8 per 2 seconds, 60 per 30 seconds
and 1,800 per hour (sends and updates alike). A channel thread shares its channel's budget.
The limiter lives in one process; with several instances Teams' own 429 (and its
``Retry-After``) still protects the conversation.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence

from bot.core.capabilities import PlatformLimits, Rate

TEAMS_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))

# The outbox worker's pacing inside those windows. Two buckets keep inside all four:
# (4 burst, 1/s) gives at most 5 in 1 s and 6 in 2 s; (30 burst, 0.49/s) gives at most
# 45 in 30 s and 1,794 in an hour. The per-tenant limit is not published; 20/s is a
# cautious guess.
TEAMS_OUTBOX_LIMITS = PlatformLimits(
    workspace=(Rate(20.0, 10.0),),
    conversation=(Rate(1.0, 4.0), Rate(0.49, 30.0)),
)


def conversation_key(conversation_id: str) -> str:
    """The budget a conversation id draws on: a thread (``…;messageid=…``) uses its channel's."""
    return conversation_id.split(";", 1)[0]


class ConversationRateLimiter:
    """Sliding windows per conversation, on an injectable clock (seconds)."""

    def __init__(
        self,
        limits: Sequence[tuple[float, int]] = TEAMS_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = tuple(limits)
        self.clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._longest = max((window for window, _ in self.limits), default=0.0)

    def reserve(self, conversation_id: str) -> float:
        """Take one slot now and return 0, or return how many seconds to wait (taking nothing)."""
        now = self.clock()
        key = conversation_key(conversation_id)
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - self._longest:
            sent.popleft()
        wait = 0.0
        for window, limit in self.limits:
            in_window = [t for t in sent if t > now - window]
            if len(in_window) >= limit:
                wait = max(wait, in_window[-limit] + window - now)
        if wait > 0:
            return wait
        sent.append(now)
        if len(self._sent) > 10_000:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._sent.items() if not v or v[-1] <= now - self._longest]:
            del self._sent[key]
