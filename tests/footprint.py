"""What a request left in the database: rows per table, to show that a refusal stored nothing."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import SQLModel, select

import storage.local_chat
import storage.tables
from storage.db import Database

TABLE_MODULES = (storage.tables, storage.local_chat)  # imported: their tables are registered


async def footprint(db: Database) -> dict[str, int]:
    """Rows per table, for every table of the bot."""
    counts: dict[str, int] = {}
    async with db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            result = await session.exec(select(func.count()).select_from(table))
            counts[table.name] = int(result.one())
    return counts
