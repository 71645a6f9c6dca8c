"""Fixtures: the bot running as a Slack app over HTTP, against the fake Slack Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from testkit.slack_api import FakeSlackApi
from tests.adapters.slack.helpers import SlackTestApp, assert_all_valid, running_slack_app


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    """The fake Slack Web API, with the channel #general (C0001) the bot is in."""
    async with FakeSlackApi(channels=("C0001",)) as fake:
        fake.add_channel("C0001", "general")
        yield fake


@pytest.fixture
async def slack(db: Database, fake_slack: FakeSlackApi) -> AsyncIterator[SlackTestApp]:
    """The whole bot as a Slack app on a fresh database (SQLite and PostgreSQL).

    After the test, every Block Kit payload the bot sent is validated.
    """
    async with running_slack_app(db, fake_slack) as app:
        yield app
    assert_all_valid(fake_slack)
