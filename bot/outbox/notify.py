"""One way to send someone a message later: through the outbox, in the caller's transaction.

Every message the bot sends on its own initiative (introductions, check-ins,
reminders, notices to the admins) goes through ``send_to``; every "the admins
are told" goes through ``tell_admins``, which reaches only the accounts named
in the admins' roster, on their own platform and workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.i18n import Translator, translator
from bot.core.identity import Roster
from bot.core.model import Message, Platform, UserRef
from bot.core.serialize import to_data
from bot.outbox.working_hours import next_working_time
from storage import outbox
from storage.people import people_with_ids
from storage.tables import Person


def user_ref(person: Person) -> UserRef:
    """How the adapters address this person."""
    return UserRef(Platform(person.platform), person.workspace, person.user_id)


def translator_for(person: Person, default_locale: str) -> Translator:
    """The person's language."""
    return translator(person.locale, default_locale)


async def send_to(
    session: AsyncSession, person: Person, key: str, message: Message, when: datetime
) -> datetime | None:
    """A 1:1 message to ``person`` at ``when`` or their next working hours; when it will go.

    None when the platform said the person cannot be reached. ``key`` makes the
    message idempotent: queueing the same key twice sends it once.
    """
    if not person.reachable:
        return None
    goes_at = next_working_time(when, person.timezone)
    await outbox.enqueue(
        session,
        key=key,
        platform=person.platform,
        target=to_data(user_ref(person)),
        payload=to_data(message),
        person_id=person.id,
        not_before=goes_at,
    )
    return goes_at


async def admins_known(session: AsyncSession, admins: Roster) -> list[Person]:
    """The admins who have talked to the bot (only they can be reached), by person id."""
    ids = {entry.user_id for entry in admins.entries}
    return [
        person
        for person in await people_with_ids(session, ids)
        if admins.includes(user_ref(person), person.directory_id)
    ]


async def tell_admins(
    session: AsyncSession,
    admins: Roster,
    key: str,
    now: datetime,
    default_locale: str,
    build: Callable[[Translator], Message],
) -> int:
    """A private notice to every admin, each in their language; how many were told."""
    told = 0
    for admin in await admins_known(session, admins):
        message = build(translator_for(admin, default_locale))
        told += await send_to(session, admin, f"{key}:{admin.id}", message, now) is not None
    return told
