"""What an adapter adds to the engine when it is enabled, known before the engine is built.

The composition root (``app.py``) asks each adapter for its contribution, then
builds the engine once from all of them: nothing patches the engine afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.capabilities import Capabilities
from bot.core.identity import NOBODY, Roster
from bot.core.model import Platform


@dataclass(frozen=True)
class Contribution:
    """Extra admins and managers (e.g. the local chat's demo personas), a clock, abilities."""

    admins: Roster = NOBODY
    managers: Roster = NOBODY
    # A clock that replaces the wall clock (the local chat's simulated time), if any.
    clock: Callable[[], datetime] | None = None
    # What the adapter's platform can do (group messages, mentions, chat links, limits).
    capabilities: Mapping[Platform, Capabilities] = field(default_factory=dict)
    # The adapter's own objects, handed back to its ``mount`` (e.g. that clock's owner).
    state: object = None


NOTHING = Contribution()
