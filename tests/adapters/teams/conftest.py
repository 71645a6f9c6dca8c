"""Fixtures: the real aiohttp app (``app.build_runtime`` + ``app.build_web_app``) on a fresh
database, in Teams emulator mode (``TEAMS_EMULATOR=1``), talking to an in-process fake Bot
Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.glue import TEAMS_BOT
from app import build_runtime, build_web_app
from bot.core.engine import Engine
from bot.core.settings import Settings
from storage.db import Database
from storage.programmes import seed_default_programme
from tests.adapters.teams.world import TeamsWorld
from tests.fakes import teams_activities as ta
from tests.fakes.bot_connector import FakeBotConnector

TEAMS_ADMIN = ta.make_user_id("Grace Admin")
TEAMS_MANAGER = ta.make_user_id("Mary Manager")


def teams_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Emulator mode (``TEAMS_EMULATOR=1``, no app id) unless an app id is given; one admin and
    one manager."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "teams_emulator": not overrides.get("microsoft_app_id"),
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        "microsoft_app_id": None,
        "microsoft_app_password": None,
        "microsoft_app_tenant_id": None,
        "slack_bot_token": None,
        "slack_signing_secret": None,
        "slack_app_token": None,
        "mentoring_admins": [TEAMS_ADMIN],
        "mentoring_managers": [TEAMS_MANAGER],
        "mentoring_seed_programme": False,
        "local_chat": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def start_world(
    db: Database, settings: Settings, fake: FakeBotConnector, *, programme: bool = True
) -> tuple[TeamsWorld, TestClient[Any, Any]]:
    """Build the app like ``python app.py`` does, on the test database."""
    runtime = await build_runtime(settings, migrate=False)
    await runtime.db.close()
    runtime.db = db
    runtime.engine = Engine(db, settings)
    if programme:
        async with db.session() as session:
            await seed_default_programme(session, "Reverse mentoring")
    app = build_web_app(runtime)
    world_sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        world_sleeps.append(seconds)

    app[TEAMS_BOT].sleep = no_sleep
    client = TestClient(TestServer(app))
    await client.start_server()
    return TeamsWorld(client, fake, runtime, world_sleeps), client


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
