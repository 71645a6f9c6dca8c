"""People: who they are on their platform, their language and time zone."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Person
from storage.types import utcnow

# Built once: on SQLite, composing this select costs more than running it.
_BY_IDENTITY = select(Person).where(
    Person.platform == bindparam("platform"),
    Person.workspace == bindparam("workspace"),
    Person.user_id == bindparam("user_id"),
)


async def find_person(
    session: AsyncSession, platform: str, workspace: str, user_id: str
) -> Person | None:
    """The person with this platform identity, if known."""
    params = {"platform": platform, "workspace": workspace, "user_id": user_id}
    result = await session.exec(_BY_IDENTITY, params=params)
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
    directory_id: str | None = None,
) -> Person:
    """Find or create a person, refreshing what the platform tells about them.

    A language the person chose with ``/mentoring language`` is kept.
    """
    person = await find_person(session, platform, workspace, user_id)
    if person is None:
        # Two first events of one person can arrive together (a double click, a retry):
        # insert-if-absent, then read, so neither fails on the unique constraint.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.exec(
            insert(Person)
            .values(
                platform=platform,
                workspace=workspace,
                user_id=user_id,
                display_name="",
                locale="en",
                locale_chosen=False,
                timezone="UTC",
                reachable=True,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["platform", "workspace", "user_id"])
        )
        person = await find_person(session, platform, workspace, user_id)
        assert person is not None
    if display_name:
        person.display_name = display_name[:200]
    if locale and not person.locale_chosen:
        person.locale = locale
    if timezone:
        person.timezone = timezone
    if directory_id:
        person.directory_id = directory_id[:128]
    await session.flush()
    return person


async def people_by_ids(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, Person]:
    """Several people by id (ids that are None, for erased people, are skipped)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    result = await session.exec(select(Person).where(col(Person.id).in_(wanted)))
    return {p.id: p for p in result.all() if p.id is not None}


async def people_with_user_ids(session: AsyncSession, user_ids: Iterable[str]) -> list[Person]:
    """People whose platform user id is one of ``user_ids`` (e.g. the admins)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    result = await session.exec(
        select(Person).where(col(Person.user_id).in_(wanted)).order_by(col(Person.id))
    )
    return list(result.all())


async def people_with_ids(session: AsyncSession, ids: Iterable[str]) -> list[Person]:
    """People whose platform user id or directory id is one of ``ids`` (on any platform).

    The caller decides which of them are meant (platform and workspace): see ``Roster``.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return []
    result = await session.exec(
        select(Person)
        .where(col(Person.user_id).in_(wanted) | col(Person.directory_id).in_(wanted))
        .order_by(col(Person.id))
    )
    return list(result.all())


async def mark_unreachable(
    session: AsyncSession, platform: str, workspace: str, user_id: str
) -> None:
    """The platform says this person cannot be reached: stop writing to them."""
    await session.exec(
        update(Person)
        .where(
            col(Person.platform) == platform,
            col(Person.workspace) == workspace,
            col(Person.user_id) == user_id,
        )
        .values(reachable=False)
    )
