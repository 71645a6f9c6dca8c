"""Reporting lines imported from HR: replaced as a whole, read by the matcher."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import ReportingLine

_TABLE: Table = ReportingLine.__table__  # type: ignore[attr-defined]


async def replace_reporting_lines(
    session: AsyncSession, platform: str, workspace: str, managers: Mapping[str, str]
) -> int:
    """Make ``managers`` (user id → manager's user id) the workspace's only lines."""
    conn = await session.connection()
    await conn.execute(
        delete(_TABLE).where(_TABLE.c.platform == platform, _TABLE.c.workspace == workspace)
    )
    rows: list[dict[str, Any]] = [
        {"platform": platform, "workspace": workspace, "user_id": u, "manager_user_id": m}
        for u, m in managers.items()
    ]
    for start in range(0, len(rows), 1000):  # bounded statements for large organisations
        await conn.execute(insert(_TABLE), rows[start : start + 1000])
    return len(rows)


async def reporting_lines(
    session: AsyncSession, platforms: Iterable[str]
) -> list[tuple[str, str, str, str]]:
    """Every imported line of these platforms: (platform, workspace, user id, manager)."""
    wanted = sorted(set(platforms))
    if not wanted:
        return []
    conn = await session.connection()
    result = await conn.execute(
        select(
            _TABLE.c.platform, _TABLE.c.workspace, _TABLE.c.user_id, _TABLE.c.manager_user_id
        ).where(_TABLE.c.platform.in_(wanted))
    )
    return [(p, w, u, m) for p, w, u, m in result]


async def manager_of(
    session: AsyncSession, platform: str, workspace: str, user_id: str
) -> str | None:
    """The imported manager of one person, if any."""
    conn = await session.connection()
    result = await conn.execute(
        select(_TABLE.c.manager_user_id).where(
            _TABLE.c.platform == platform,
            _TABLE.c.workspace == workspace,
            _TABLE.c.user_id == user_id,
        )
    )
    return result.scalar_one_or_none()
