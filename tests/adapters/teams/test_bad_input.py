"""What does not belong: malformed activities (400), missing tokens (401), other tenants."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.teams.glue import TEAMS_BOT
from storage.db import Database
from storage.tables import InboundEvent, Person
from testkit import teams_activities as ta
from testkit.bot_connector import FakeBotConnector
from testkit.teams_world import TeamsWorld, start_world, teams_settings

APP_ID = ta.DEFAULT_BOT_APP_ID
SECRET_TEXT = "my secret goals are private"


async def _teams_people(world: TeamsWorld) -> list[Person]:
    async with world.runtime.db.session() as session:
        return list((await session.exec(select(Person).where(Person.platform == "teams"))).all())


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2, 3]", "not an object"),
        (json.dumps({"text": SECRET_TEXT}).encode(), "no type"),
    ],
)
async def test_a_body_that_is_not_an_activity_gets_400(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture, body: bytes, why: str
) -> None:
    with caplog.at_level(logging.INFO):
        status = await teams.post_raw(body)

    assert status == 400, why
    assert "malformed Teams activity" in caplog.text
    assert SECRET_TEXT not in caplog.text
    assert teams.fake.calls == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.pop("serviceUrl"),
        lambda a: a.update(serviceUrl="file:///etc/passwd"),
        lambda a: a.pop("from"),
        lambda a: a["conversation"].pop("id"),
        lambda a: a.update(text=["not", "a", "string"]),
        lambda a: a.update(timestamp="yesterday-ish"),
    ],
    ids=["no-service-url", "bad-service-url", "no-sender", "no-conversation", "text-list", "date"],
)
async def test_a_message_missing_a_part_gets_400_and_a_log_line_without_its_text(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture, damage: object
) -> None:
    activity = ta.personal_message(SECRET_TEXT, service_url=teams.fake.url)
    damage(activity)  # type: ignore[operator]

    with caplog.at_level(logging.INFO):
        said = await teams.post(activity)

    assert said.status == 400
    assert "malformed Teams" in caplog.text
    assert SECRET_TEXT not in caplog.text
    assert said.activities == [] and await _teams_people(teams) == []


async def test_the_bot_still_answers_after_a_bad_request(teams: TeamsWorld) -> None:
    await teams.post_raw(b"{oops")
    ada = teams.user("Ada Lovelace")

    assert "join" in await ada.types("help")


@pytest.fixture
async def secured(
    db: Database, tmp_path: Path, fake: FakeBotConnector
) -> AsyncIterator[TeamsWorld]:
    """The bot with a Microsoft App ID: every request needs a Bot Framework token."""
    settings = teams_settings(tmp_path, microsoft_app_id=APP_ID, microsoft_app_password="x")
    world, client = await start_world(db, settings, fake)
    try:
        yield world
    finally:
        await client.close()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"],
    ids=["no-header", "garbage-token", "basic-auth"],
)
async def test_with_an_app_id_a_request_without_a_valid_token_is_refused(
    secured: TeamsWorld, caplog: pytest.LogCaptureFixture, authorization: str | None
) -> None:
    activity = ta.personal_message("help", service_url=secured.fake.url)
    headers = {"Authorization": authorization} if authorization else {}

    with caplog.at_level(logging.INFO):
        said = await secured.post(activity, **headers)

    assert said.status == 401
    assert said.activities == [] and secured.fake.calls == []
    assert await _teams_people(secured) == []
    async with secured.runtime.db.session() as session:
        assert (await session.exec(select(InboundEvent))).all() == []
    assert "not-a-jwt" not in caplog.text


@pytest.fixture
async def one_tenant(
    db: Database, tmp_path: Path, fake: FakeBotConnector
) -> AsyncIterator[TeamsWorld]:
    """The bot restricted to one tenant (MICROSOFT_APP_TENANT_ID)."""
    settings = teams_settings(
        tmp_path, microsoft_app_tenant_id="11111111-2222-3333-4444-555555555555"
    )
    world, client = await start_world(db, settings, fake)
    try:
        yield world
    finally:
        await client.close()


async def test_a_message_from_another_tenant_is_refused_politely(one_tenant: TeamsWorld) -> None:
    stranger = one_tenant.user("Eve Elsewhere", locale="fr-FR")

    said = await stranger.types("join")

    [line] = said.activities
    assert "organisation qui m'a installé" in line["text"]
    assert await _teams_people(one_tenant) == []


async def test_a_message_from_the_configured_tenant_is_served(one_tenant: TeamsWorld) -> None:
    tenant = "11111111-2222-3333-4444-555555555555"
    colleague = one_tenant.user("Carla Colleague", tenant=tenant)

    said = await colleague.types("help")

    assert "join" in said
    assert [p.workspace for p in await _teams_people(one_tenant)] == [tenant]


@pytest.mark.parametrize(
    ("app_type", "tenant", "authority_ends_with"),
    [
        ("MultiTenant", None, "/botframework.com"),
        (
            "SingleTenant",
            "11111111-2222-3333-4444-555555555555",
            "/11111111-2222-3333-4444-555555555555",
        ),
    ],
)
async def test_single_and_multi_tenant_bots_refuse_unsigned_requests_and_use_the_right_login(
    db: Database,
    tmp_path: Path,
    fake: FakeBotConnector,
    app_type: str,
    tenant: str | None,
    authority_ends_with: str,
) -> None:
    settings = teams_settings(
        tmp_path,
        microsoft_app_id=APP_ID,
        microsoft_app_password="x",
        microsoft_app_type=app_type,
        microsoft_app_tenant_id=tenant,
    )
    world, client = await start_world(db, settings, fake)
    try:
        said = await world.post(
            ta.personal_message(
                "help", service_url=fake.url, tenant_id=tenant or ta.DEFAULT_TENANT_ID
            )
        )
        authority = await client.app[TEAMS_BOT].tokens.login_authority()
    finally:
        await client.close()

    assert said.status == 401
    assert authority is not None and authority.endswith(authority_ends_with)
