"""What a platform can do, as its adapter declares it: the engine asks instead of knowing.

An introduction is one group message where the platform opens group
conversations (Slack group DMs), else a 1:1 to each person, which @mentions the
partner where the platform turns a ``<@id|name>`` token into a real mention and
adds a "chat with them" link where the platform has one. The outbox worker
paces each platform at the limits its adapter declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.markup import Markup, escape
from bot.core.model import Platform


@dataclass(frozen=True)
class Rate:
    """At most ``per_second`` on average, with bursts of up to ``burst`` at once."""

    per_second: float
    burst: float = 1.0


@dataclass(frozen=True)
class PlatformLimits:
    """The rates a platform allows per workspace (team / tenant) and per conversation."""

    workspace: tuple[Rate, ...] = ()
    conversation: tuple[Rate, ...] = ()


@dataclass(frozen=True)
class Capabilities:
    """One platform's abilities and limits."""

    # One message to a few people of one workspace (the worker splits it if refused).
    group_messages: bool = False
    # A 1:1 introduction names the partner with a ``<@user_id|name>`` mention token.
    mentions: bool = False
    # A link that opens a chat with people by sign-in name: a template with ``{users}``.
    chat_link: str | None = None
    limits: PlatformLimits = field(default_factory=PlatformLimits)


PLAIN = Capabilities()


def capability(table: Mapping[Platform, Capabilities], platform: str | Platform) -> Capabilities:
    """The platform's capabilities, or none beyond plain 1:1 messages when it is unknown."""
    try:
        return table.get(Platform(platform), PLAIN)
    except ValueError:
        return PLAIN


def mention(user_id: str, name: str) -> Markup:
    """The neutral mention token that adapters with ``mentions`` turn into a real mention
    (the id and the name escaped, so that a name cannot close the token or open another)."""
    return Markup(f"<@{escape(user_id)}|{escape(name)}>")
