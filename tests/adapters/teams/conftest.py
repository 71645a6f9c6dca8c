"""Fixtures: the real aiohttp app (``app.build_runtime`` + ``app.build_web_app``) on a fresh
database, in Teams emulator mode (``TEAMS_EMULATOR=1``), talking to an in-process fake Bot
Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from testkit.bot_connector import FakeBotConnector
from testkit.teams_world import TeamsWorld, start_world, teams_settings


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    """The fake Bot Connector (activities' serviceUrl points at it)."""
    async with FakeBotConnector() as connector:
        yield connector


@pytest.fixture
async def teams(db: Database, tmp_path: Path, fake: FakeBotConnector) -> AsyncIterator[TeamsWorld]:
    """The bot in emulator mode, with the default programme open."""
    world, client = await start_world(db, teams_settings(tmp_path), fake)
    try:
        yield world
    finally:
        await client.close()
