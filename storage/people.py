"""People: who they are on their platform, their language and time zone."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Person


async def find_person(
    session: AsyncSession, platform: str, workspace: str, user_id: str
) -> Person | None:
    """The person with this platform identity, if known."""
    result = await session.exec(
        select(Person).where(
            Person.platform == platform,
            Person.workspace == workspace,
            Person.user_id == user_id,
        )
    )
    return result.first()


async def upsert_person(
    session: AsyncSession,
    *,
    platform: str,
    workspace: str,
    user_id: str,
    display_name: str = "",
    locale: str | None = None,
    timezone: str | None = None,
) -> Person:
    """Find or create a person, refreshing what the platform tells about them.

    A language the person chose with ``/mentoring language`` is kept.
    """
    person = await find_person(session, platform, workspace, user_id)
    if person is None:
        person = Person(platform=platform, workspace=workspace, user_id=user_id)
        session.add(person)
    if display_name:
        person.display_name = display_name[:200]
    if locale and not person.locale_chosen:
        person.locale = locale
    if timezone:
        person.timezone = timezone
    await session.flush()
    return person


async def people_by_ids(session: AsyncSession, ids: list[int]) -> dict[int, Person]:
    """Several people by id."""
    if not ids:
        return {}
    result = await session.exec(select(Person).where(col(Person.id).in_(ids)))
    return {p.id: p for p in result.all() if p.id is not None}
