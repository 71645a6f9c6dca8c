"""Fixtures: a fresh database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

import app  # noqa: F401  (the composition root registers the features)
from adapters.settings import Settings
from adapters.slack.sender import SLACK_CAPABILITIES
from adapters.teams.sender import TEAMS_CAPABILITIES
from bot.core.capabilities import PLAIN
from bot.core.engine import Engine
from bot.core.model import Platform
from bot.core.settings import to_async_url
from storage.db import Database
from tests.harness import Harness

# The machine is shared with other jobs: no per-example deadline, no "too slow" failures.
hypothesis_settings.register_profile(
    "project", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
hypothesis_settings.load_profile("project")

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"

# What each platform can do, as its adapter declares: conversations in tests meet all three.
ALL_PLATFORMS = {
    Platform.SLACK: SLACK_CAPABILITIES,
    Platform.TEAMS: TEAMS_CAPABILITIES,
    Platform.LOCAL: PLAIN,
}
ADMIN_ID = "UADMIN"
MANAGER_ID = "UMANAGER"


def _postgres_or_skip() -> str:
    if POSTGRES_URL:
        return to_async_url(POSTGRES_URL)
    if REQUIRE_POSTGRES:
        pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
    pytest.skip("TEST_POSTGRES_URL is not set")


async def make_database(kind: str, tmp_path: Path) -> tuple[Database, str | None]:
    """A migrated, empty database; for PostgreSQL, in a schema of its own."""
    if kind == "sqlite":
        return Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"), None
    url = _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.close()
    db = Database(url, connect_args={"server_settings": {"search_path": schema}})
    return db, schema


async def drop_schema(schema: str) -> None:
    """Remove a test's PostgreSQL schema."""
    admin = Database(_postgres_or_skip())
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database, on SQLite and on PostgreSQL."""
    database, schema = await make_database(request.param, tmp_path)
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()
        if schema:
            await drop_schema(schema)


@pytest.fixture
def settings() -> Settings:
    """Settings for tests: one admin and one manager, no platform credentials."""
    return Settings(
        _env_file=None,
        # Conversations run on every platform in workspace T1 (tests.harness): the same
        # account id on each, named the way a deployment serving all three would.
        mentoring_admins=[f"{p.value}:T1:{ADMIN_ID}" for p in Platform],
        mentoring_managers=[f"{p.value}:T1:{MANAGER_ID}" for p in Platform],
        mentoring_seed_programme=False,
    )


@pytest.fixture
def engine(db: Database, settings: Settings) -> Engine:
    """The engine on the fresh database."""
    return Engine(db, settings, capabilities=ALL_PLATFORMS)


@pytest.fixture
def harness(engine: Engine) -> Harness:
    """People talking to the engine."""
    return Harness(engine)
