"""The demo people of the local chat: juniors, seniors, an admin and a manager.

They exist only in local mode on a loopback address: they are created in the
database on first start, and the admin and the manager get their rights then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.local.translate import WORKSPACE
from bot.core.model import Actor, Platform, UserRef
from storage.people import find_person

Role = Literal["junior", "senior", "admin", "manager"]


@dataclass(frozen=True)
class Persona:
    """A demo person: who they are, where they live, which language they speak."""

    key: str
    name: str
    role: Role
    locale: str
    timezone: str
    color: str
    reports_to: str | None = None  # another persona's key: a reporting line matching must avoid

    @property
    def user_id(self) -> str:
        """The persona's local platform user id."""
        return f"L-{self.key}"

    @property
    def user(self) -> UserRef:
        """The persona as a neutral user reference."""
        return UserRef(Platform.LOCAL, WORKSPACE, self.user_id)

    @property
    def actor(self) -> Actor:
        """How the local platform describes the persona to the engine."""
        return Actor(self.user, self.name, self.locale, self.timezone)

    @property
    def initials(self) -> str:
        """Two letters for the avatar."""
        return "".join(part[0] for part in self.name.split()[:2]).upper()


PERSONAS: tuple[Persona, ...] = (
    Persona("priya", "Priya Natarajan", "junior", "en-GB", "Europe/London", "#2e7d6b", "david"),
    Persona("amara", "Amara Diallo", "junior", "fr-FR", "Europe/Paris", "#b5476b", "henri"),
    Persona("tomas", "Tomás Rivera", "junior", "en-US", "America/Chicago", "#c07a17", "margaret"),
    Persona("margaret", "Margaret Chen", "senior", "en-US", "America/New_York", "#3d5a98"),
    Persona("henri", "Henri Lefèvre", "senior", "fr-FR", "Europe/Paris", "#6b4fa0"),
    Persona("david", "David Okafor", "senior", "en-GB", "Asia/Singapore", "#2f7fa8"),
    Persona("sofia", "Sofia Rossi", "admin", "en-GB", "Europe/Rome", "#a04f2f"),
    Persona("julien", "Julien Bernard", "manager", "fr-FR", "America/Montreal", "#4f7f2f"),
)

_BY_ID = {p.user_id: p for p in PERSONAS}


def find(user_id: str) -> Persona | None:
    """The persona with this user id, if any."""
    return _BY_ID.get(user_id)


def with_role(role: Role) -> list[Persona]:
    """The personas with a role (e.g. the demo admins)."""
    return [p for p in PERSONAS if p.role == role]


async def missing(session: AsyncSession) -> list[Persona]:
    """The personas not yet in the database (all of them on first start)."""
    return [
        p
        for p in PERSONAS
        if await find_person(session, Platform.LOCAL.value, WORKSPACE, p.user_id) is None
    ]


async def record_reporting_lines(session: AsyncSession, created: list[Persona]) -> None:
    """Who reports to whom, so matching never pairs a person with their own manager."""
    for persona in created:
        if persona.reports_to is None:
            continue
        person = await find_person(session, Platform.LOCAL.value, WORKSPACE, persona.user_id)
        if person is not None:
            person.manager_user_id = f"L-{persona.reports_to}"
            session.add(person)
