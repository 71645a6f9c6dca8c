"""How the outbox worker reaches people: each adapter provides a ``Sender``.

Senders raise typed errors, so the worker decides retries without reading
error strings: ``RateLimited`` carries the platform's ``Retry-After``.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.capabilities import Capabilities
from bot.core.model import ConversationRef, Message, Platform, UserRef


class DeliveryError(Exception):
    """A message could not be delivered."""


class RateLimited(DeliveryError):
    """The platform said 429: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float, detail: str = "rate limited") -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """A 5xx, a timeout or a network error: retry with backoff."""


class Unreachable(DeliveryError):
    """The person cannot be reached (bot blocked or uninstalled, user gone): do not retry."""


class PermanentError(DeliveryError):
    """The platform refused the message for good (bad request, channel_not_found...)."""


class GroupUnsupported(DeliveryError):
    """A group conversation could not be opened: send one direct message to each instead."""


class Sender(Protocol):
    """What an adapter offers the outbox worker. Each call returns the platform message id."""

    platform: Platform
    capabilities: Capabilities  # what the platform can do and how fast (declared by the adapter)

    async def send_direct(self, user: UserRef, message: Message) -> str:
        """A direct message to one person (opening or reusing the DM)."""
        ...

    async def send_group(self, users: list[UserRef], message: Message) -> str:
        """One message to a small group (a Slack group DM); raise ``GroupUnsupported`` if not."""
        ...

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        """A message in a known conversation (e.g. a channel)."""
        ...
