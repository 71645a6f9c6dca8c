"""Test doubles for the outbox: an in-process ``Sender`` and a clock that never sleeps.

Imported by the outbox and check-in tests and by benchmarks; ``tests/testkit/test_outbox.py``
checks the doubles.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.capabilities import PLAIN, Capabilities
from bot.core.model import Actions, Button, ConversationRef, Message, Platform, UserRef
from bot.core.plaintext import message_text
from bot.outbox.delivery import DeliveryError, GroupUnsupported


@dataclass
class Delivered:
    """One message that reached a (fake) platform."""

    to: str  # user id, "a,b" for a group, channel id for a post
    message: Message
    message_id: str
    at: float  # the fake monotonic time
    when: datetime | None = None  # the fake wall time

    @property
    def text(self) -> str:
        """The message as plain text."""
        return message_text(self.message)

    def button(self, label: str) -> Button:
        """A button of this message, by label or action id."""
        for element in self.message.elements:
            if isinstance(element, Actions):
                for b in element.buttons:
                    if label in (b.label, b.action_id):
                        return b
        raise AssertionError(f"no button {label!r} in: {self.text}")


class FakeTime:
    """Monotonic and wall clocks that move only when someone sleeps (instantly)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self.mono = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        """Seconds since the start."""
        return self.mono

    def wall(self) -> datetime:
        """The start plus the time slept."""
        return self.start + timedelta(seconds=self.mono)

    async def sleep(self, seconds: float) -> None:
        """Jump ahead instead of waiting; still yield to other tasks.

        Tasks already woken run first, at the time they were woken.
        """
        self.slept.append(seconds)
        await asyncio.sleep(0)
        self.mono += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Let time pass."""
        self.mono += seconds


@dataclass
class FakeSender:
    """A ``Sender`` that records what it sends and fails on demand.

    ``failures`` maps a user id (or channel id) to a list of exceptions to raise,
    one per attempt, before succeeding.
    """

    platform: Platform = Platform.LOCAL
    capabilities: Capabilities = PLAIN  # paced by nothing: tests time the retries themselves
    time: FakeTime | None = None
    failures: dict[str, list[DeliveryError | Exception]] = field(default_factory=dict)
    groups: bool = True
    delay: Callable[[], float] | None = None
    delivered: list[Delivered] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def _deliver(self, to: str, message: Message) -> str:
        self.attempts[to] += 1
        queue = self.failures.get(to)
        if queue:
            raise queue.pop(0)
        if self.delay is not None:
            await asyncio.sleep(self.delay())
        message_id = f"m{next(self._ids)}"
        at = self.time.monotonic() if self.time else 0.0
        when = self.time.wall() if self.time else None
        self.delivered.append(Delivered(to, message, message_id, at, when))
        self._changed.set()
        return message_id

    async def send_direct(self, user: UserRef, message: Message) -> str:
        return await self._deliver(user.user_id, message)

    async def send_group(self, users: list[UserRef], message: Message) -> str:
        if not self.groups:
            raise GroupUnsupported("no group conversations here")
        return await self._deliver(",".join(u.user_id for u in users), message)

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        return await self._deliver(conversation.channel_id, message)

    def to(self, user_id: str) -> list[Delivered]:
        """Messages delivered to one person, in order."""
        return [d for d in self.delivered if d.to == user_id]

    def texts(self, user_id: str) -> list[str]:
        """The plain text of what one person received."""
        return [d.text for d in self.to(user_id)]

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait (bounded) until ``count`` messages in all were delivered."""
        async with asyncio.timeout(timeout):
            while len(self.delivered) < count:
                self._changed.clear()
                await self._changed.wait()
