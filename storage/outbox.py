"""The outbox: messages the bot sends on its own initiative are written here first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import OutboxMessage
from storage.types import utcnow


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    platform: str,
    target: dict[str, Any],
    payload: dict[str, Any],
    person_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Add a message unless one with the same idempotency key exists; True when added."""
    values = {
        "key": key[:200],
        "platform": platform,
        "person_id": person_id,
        "target": target,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "created_at": utcnow(),
    }
    bind = session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["key"])
    result = await session.exec(stmt)
    return bool(result.rowcount)
