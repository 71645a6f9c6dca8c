"""Client-side rate limits, so the outbox worker stays under each platform's limits.

Each limit is a GCRA bucket (a token bucket kept as a "theoretical arrival
time"). Each adapter declares its platform's limits (``Capabilities.limits``).
A send first waits for its conversation's own bucket (1 message/s per
Slack channel, the Teams per-conversation windows), then queues at its
workspace's gate: one pacer per workspace lets the queued sends through, in
order, as fast as the workspace buckets allow. A platform's ``429`` pauses the
gate until ``Retry-After`` has passed; as nothing leaves meanwhile, the buckets
refill, and the sends queued behind the pause go out in a burst, as the
platform's own bucket allows.

The limits are per process: several instances sharing one workspace share its
cap only through the platform's ``429`` answers (see docs/checkins-and-outbox.md).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.core.capabilities import PlatformLimits, Rate
from bot.core.model import Platform

__all__ = ["PlatformLimits", "Rate", "RateLimiter"]

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


class _Gcra:
    """One bucket: the theoretical time of the next send, and how far ahead bursts may go."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: Rate, now: float) -> None:
        self.interval = 1.0 / rate.per_second
        self.tolerance = max(0.0, rate.burst - 1.0) * self.interval
        self.tat = now

    def earliest(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def commit(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval


@dataclass
class _Workspace:
    buckets: list[_Gcra]
    paused_until: float = 0.0
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)
    pacer: asyncio.Task[None] | None = None


class RateLimiter:
    """Spaces out sends per platform workspace and per conversation.

    ``monotonic`` and ``sleep`` are injectable, so tests and benchmarks can run
    on a fake clock.
    """

    _PRUNE_EVERY = 1024  # conversation buckets idle long enough are as good as new: forget them

    def __init__(
        self,
        limits: Mapping[Platform, PlatformLimits],
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits  # read at each send: adapters register as they mount
        self.monotonic = monotonic
        self.sleep = sleep
        self._workspaces: dict[tuple[Platform, str], _Workspace] = {}
        self._conversations: dict[tuple[Platform, str, str], list[_Gcra]] = {}
        self._acquired = 0

    def _workspace(self, platform: Platform, workspace: str) -> _Workspace:
        key = (platform, workspace)
        found = self._workspaces.get(key)
        if found is None:
            rates = self.limits.get(platform, PlatformLimits()).workspace
            found = _Workspace([_Gcra(r, self.monotonic()) for r in rates])
            self._workspaces[key] = found
        return found

    def _conversation(self, platform: Platform, workspace: str, conversation: str) -> list[_Gcra]:
        key = (platform, workspace, conversation)
        found = self._conversations.get(key)
        if found is None:
            rates = self.limits.get(platform, PlatformLimits()).conversation
            found = [_Gcra(r, self.monotonic()) for r in rates]
            self._conversations[key] = found
        return found

    def expected_wait(self, platform: Platform, workspace: str) -> float:
        """Roughly how long a send queued now would wait for its workspace."""
        ws = self._workspace(platform, workspace)
        now = self.monotonic()
        queued = len(ws.waiters) * max((b.interval for b in ws.buckets), default=0.0)
        return max(ws.paused_until - now, 0.0) + queued

    async def acquire(
        self,
        platform: Platform,
        workspace: str,
        conversation: str,
        *,
        give_up_after: float | None = None,
    ) -> bool:
        """Wait for the turn to send one message; False if it looks further than
        ``give_up_after`` seconds (so a caller can hand the message back instead)."""
        if give_up_after is not None and self.expected_wait(platform, workspace) > give_up_after:
            return False
        own = self._conversation(platform, workspace, conversation)
        if own:
            now = self.monotonic()
            at = max([now, *(b.earliest(now) for b in own)])
            for b in own:
                b.commit(at)
            if at > now:
                await self.sleep(at - now)
        self._acquired += 1
        if self._acquired % self._PRUNE_EVERY == 0:
            self._prune(self.monotonic())
        ws = self._workspace(platform, workspace)
        if not ws.buckets and not ws.waiters and ws.paused_until <= self.monotonic():
            return True
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ws.waiters.append(turn)
        if ws.pacer is None or ws.pacer.done():
            ws.pacer = asyncio.create_task(self._pace(ws))
        await turn
        return True

    async def _pace(self, ws: _Workspace) -> None:
        """Let the queued sends of one workspace through, in order, at the allowed pace."""
        while ws.waiters:
            turn = ws.waiters[0]
            if turn.done():  # its sender was cancelled
                ws.waiters.popleft()
                continue
            now = self.monotonic()
            at = max([now, ws.paused_until, *(b.earliest(now) for b in ws.buckets)])
            if at > now:
                await self.sleep(at - now)
                continue  # a pause may have come meanwhile: look again
            for b in ws.buckets:
                b.commit(now)
            ws.waiters.popleft()
            turn.set_result(None)

    def pause(self, platform: Platform, workspace: str, seconds: float) -> None:
        """The platform said 429: send nothing to this workspace for ``seconds``."""
        ws = self._workspace(platform, workspace)
        ws.paused_until = max(ws.paused_until, self.monotonic() + max(0.0, seconds))

    def paused_for(self, platform: Platform, workspace: str) -> float:
        """Seconds left in the workspace's pause (0 when not paused)."""
        ws = self._workspaces.get((platform, workspace))
        return max(0.0, ws.paused_until - self.monotonic()) if ws else 0.0

    def _prune(self, now: float) -> None:
        idle = [k for k, bs in self._conversations.items() if all(b.tat <= now for b in bs)]
        for k in idle:
            del self._conversations[k]

    @property
    def tracked_conversations(self) -> int:
        """How many conversation buckets are held in memory."""
        return len(self._conversations)
