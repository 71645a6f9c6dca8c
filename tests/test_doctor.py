"""``python app.py doctor`` tells an engineer in plain words what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import app
from adapters.settings import Settings
from testkit.slack_api import FakeSlackApi


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", **values)


async def test_a_healthy_slack_deployment_is_all_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeSlackApi() as fake:
        config = settings(
            tmp_path,
            slack_bot_token=fake.token,
            slack_signing_secret="secret",
            slack_api_url=fake.base_url,
        )
        await app.migrate_only(config)
        status = await app.doctor(config)
    out = capsys.readouterr().out
    assert status == 0, out
    assert "ok  Slack accepts the bot token" in out
    assert "ok  the database answers and its schema is up to date" in out
    assert "NO " not in out


async def test_a_refused_token_and_pending_migrations_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeSlackApi() as fake:
        config = settings(
            tmp_path,
            slack_bot_token="xoxb-not-the-right-one",
            slack_signing_secret="secret",
            slack_api_url=fake.base_url,
        )
        status = await app.doctor(config)  # no migration applied yet
    out = capsys.readouterr().out
    assert status == 1
    assert "NO  Slack refused the bot token (invalid_auth)" in out
    assert "NO  the database is reachable but migrations are pending" in out
    assert "xoxb-not-the-right-one" not in out  # a secret is never printed


async def test_an_unreachable_database_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Settings(
        _env_file=None, database_url="postgresql://nobody@127.0.0.1:9/none", local_chat=True
    )
    assert await app.doctor(config) == 1
    assert "NO  the database does not answer: check DATABASE_URL" in capsys.readouterr().out
