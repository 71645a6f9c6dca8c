"""Fixtures: the local chat served on loopback over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from tests.adapters.local.helpers import LocalChatClient, local_settings, start_chat


@pytest.fixture
async def chat(db: Database, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LocalChatClient]:
    """The local chat served on loopback, personas created, on SQLite and PostgreSQL."""
    client = await start_chat(db, local_settings(), monkeypatch)
    try:
        yield client
    finally:
        await client.client.close()
