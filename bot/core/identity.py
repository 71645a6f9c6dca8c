"""Qualified identities: who holds a role, named so that no platform can be mistaken for another.

A person is platform + workspace (Slack team id, Teams tenant id) + user id.
``MENTORING_ADMINS`` and ``MENTORING_MANAGERS`` list people as
``slack:T0123:U0456`` or ``teams:<tenant-id>:<aad-object-id>``. A bare id is
accepted only when exactly one platform is configured, and then means that
platform, any workspace: with two platforms, ``U0456`` could name someone on
either, and a right given to one would be taken by the other.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from bot.core.model import Platform, UserRef

ANY_WORKSPACE = "*"
PLATFORM_NAMES = frozenset(p.value for p in Platform)


class RosterError(ValueError):
    """A roster entry that cannot be read unambiguously."""


@dataclass(frozen=True)
class Entry:
    """One qualified identity; ``workspace`` is ``*`` for a bare id (any workspace)."""

    platform: str
    workspace: str
    user_id: str

    def names(self, user: UserRef, directory_id: str | None = None) -> bool:
        """True when this entry names ``user`` (or their directory id, e.g. Teams' AAD id)."""
        return (
            self.platform == user.platform.value
            and self.workspace in (ANY_WORKSPACE, user.workspace)
            and self.user_id in (user.user_id, directory_id)
        )

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user_id}"


@dataclass(frozen=True)
class Roster:
    """The people who hold one role (admins or managers)."""

    entries: frozenset[Entry] = field(default_factory=frozenset)

    def includes(self, user: UserRef, directory_id: str | None = None) -> bool:
        """True when ``user`` holds the role (never on another platform or workspace)."""
        return any(e.names(user, directory_id) for e in self.entries)

    def __or__(self, other: Roster) -> Roster:
        return Roster(self.entries | other.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


NOBODY = Roster()


def roster_of(users: Iterable[UserRef]) -> Roster:
    """A roster naming exactly these people (e.g. an adapter's demo admins)."""
    return Roster(frozenset(Entry(u.platform.value, u.workspace, u.user_id) for u in users))


def parse_roster(entries: Iterable[str], platforms: Collection[str], variable: str) -> Roster:
    """Read ``variable``'s entries; ``platforms`` are the platforms this deployment serves."""
    parsed: set[Entry] = set()
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        head, _, rest = entry.partition(":")
        head = head.lower()  # "Slack:T1:U1" is a qualified entry too, not a bare id
        if head in PLATFORM_NAMES:
            workspace, _, user_id = rest.partition(":")
            if not workspace or not user_id:
                raise RosterError(
                    f"{variable}: {entry!r} must be platform:workspace:user, "
                    "e.g. slack:T0123:U0456 or teams:<tenant-id>:<aad-object-id>"
                )
            parsed.add(Entry(head, workspace, user_id))
            continue
        if len(platforms) != 1:
            served = ", ".join(sorted(platforms)) or "none"
            raise RosterError(
                f"{variable}: {entry!r} is a bare user id, but the platforms configured are "
                f"{served}: write it as platform:workspace:user, e.g. slack:T0123:{entry}"
            )
        [platform] = platforms
        parsed.add(Entry(platform, ANY_WORKSPACE, entry))
    return Roster(frozenset(parsed))
