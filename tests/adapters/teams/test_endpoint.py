"""Who can reach ``POST /api/messages``, and where the bot may call back.

* There is no such endpoint without ``MICROSOFT_APP_ID``, unless ``TEAMS_EMULATOR=1`` says so:
  a Slack-only server answers the issue's forged activity (``from.id`` = the Slack admin's id,
  ``serviceUrl`` of the attacker's choice) with 404.
* Emulator mode serves this machine only: no request relayed by a proxy, no foreign ``Host``,
  and it calls no service URL but loopback ones (the activity is refused before anything).
* A body above the limit gets 413.

Every refusal leaves the database as it was and makes no call. To show that "no call" means
no call anywhere, the bot's HTTP client resolves every host name to the fake connector: had the
bot called ``attacker.example``, the fake would have recorded it.
"""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

import app
from adapters.settings import Settings, load_settings
from adapters.teams.connector import BotConnector, service_url_allowed
from adapters.teams.glue import MAX_ACTIVITY_BYTES, TEAMS_BOT
from adapters.teams.sender import TeamsSender
from bot.core.model import Message, Platform, Text, UserRef
from bot.core.settings import SettingsError
from bot.outbox.delivery import PermanentError
from storage.conversation_refs import save_reference
from storage.db import Database
from storage.people import upsert_person
from testkit import teams_activities as ta
from testkit.bot_connector import FakeBotConnector
from testkit.teams_world import TeamsWorld, start_world, teams_settings
from tests.adapters.slack.helpers import running_slack_app
from tests.footprint import footprint

ATTACKER = "attacker.example"


class EveryNameIsLoopback(AbstractResolver):
    """Resolves any host name to 127.0.0.1: a call to any host lands on a local fake."""

    def __init__(self, loop: object = None) -> None:
        self.loop = loop

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


def attacker_url(fake: FakeBotConnector) -> str:
    """The fake connector's own URL under the attacker's host name."""
    return str(URL(fake.url).with_host(ATTACKER))


@pytest.fixture
async def emulator(
    db: Database, tmp_path: Path, fake: FakeBotConnector, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TeamsWorld]:
    """``TEAMS_EMULATOR=1`` on loopback; every host name resolves to the fake connector.

    (The resolver of every aiohttp client made from now on, the bot's Bot Connector client
    included: it opens its session on its first call.)
    """
    monkeypatch.setattr(aiohttp.connector, "DefaultResolver", EveryNameIsLoopback)
    world, client = await start_world(db, teams_settings(tmp_path), fake)
    try:
        yield world
    finally:
        await client.close()


# --- no endpoint without its authentication ------------------------------------------------


async def test_a_slack_only_server_has_no_teams_endpoint(db: Database) -> None:
    async with FakeBotConnector() as connector, running_slack_app(db) as slack:
        forged = ta.personal_message(
            "admin pairs", user_id="UADMIN", user_name="Ada Admin", service_url=connector.url
        )
        before = await footprint(db)

        response = await slack.http.post("/api/messages", data=json.dumps(forged))

        assert response.status == 404
        assert TEAMS_BOT not in slack.web_app
        assert Platform.TEAMS not in slack.runtime.senders
        assert connector.calls == []
        assert await footprint(db) == before


async def test_with_no_platform_configured_there_is_no_teams_endpoint(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(_env_file=None, local_chat=True, mentoring_seed_programme=False)
    assert not settings.teams_enabled
    monkeypatch.setattr(app, "Database", lambda _url: db)
    runtime = await app.build_runtime(settings)
    async with (
        FakeBotConnector() as connector,
        TestClient(TestServer(app.build_web_app(runtime))) as client,
    ):
        response = await client.post(
            "/api/messages", data=json.dumps(ta.personal_message("help", service_url=connector.url))
        )
        assert response.status == 404
        assert connector.calls == []


def test_emulator_mode_refuses_to_start_on_a_public_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_EMULATOR", "1")
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104
    with pytest.raises(SettingsError, match="TEAMS_EMULATOR=1 needs HOST to be a loopback"):
        load_settings()


async def test_emulator_mode_says_so_at_start_up(
    db: Database, tmp_path: Path, fake: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        _world, client = await start_world(db, teams_settings(tmp_path), fake)
    await client.close()
    assert "emulator mode (TEAMS_EMULATOR=1)" in caplog.text
    assert "authenticates nothing" in caplog.text


# --- emulator mode: this machine only ------------------------------------------------------

PROXIED = {
    "forwarded": {"Forwarded": "for=203.0.113.7;proto=https"},
    "x-forwarded-for": {"X-Forwarded-For": "203.0.113.7"},
    "x-real-ip": {"X-Real-IP": "203.0.113.7"},
    "x-forwarded-host": {"X-Forwarded-Host": "bot.example.com"},
    "via": {"Via": "1.1 proxy.example.com"},
    "foreign-host-name": {"Host": "bot.example.com"},
}


@pytest.mark.parametrize("case", sorted(PROXIED))
async def test_emulator_mode_refuses_what_a_proxy_relayed_or_another_host_named(
    emulator: TeamsWorld, case: str
) -> None:
    forged = ta.personal_message("help", service_url=emulator.fake.url)
    before = await footprint(emulator.runtime.db)

    said = await emulator.post(forged, **PROXIED[case])

    assert said.status == 403
    assert emulator.fake.calls == []
    assert await footprint(emulator.runtime.db) == before


async def test_emulator_mode_never_calls_a_service_url_off_this_machine(
    emulator: TeamsWorld,
) -> None:
    # The attack: an unsigned activity, the admin's id, the attacker's service URL.
    forged = ta.personal_message(
        "admin pairs",
        user_id="UADMIN",
        user_name="Ada Admin",
        service_url=attacker_url(emulator.fake),
    )
    before = await footprint(emulator.runtime.db)

    said = await emulator.post(forged)

    assert said.status == 403
    assert emulator.fake.calls == []
    assert await footprint(emulator.runtime.db) == before


async def test_the_host_catcher_would_have_seen_a_call_to_the_attacker(
    emulator: TeamsWorld,
) -> None:
    # The control of the test above: a request to the attacker's host does reach the fake.
    url = attacker_url(emulator.fake) + "v3/conversations"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
    assert [c.operation for c in emulator.fake.calls] == ["get_conversations"]


async def test_emulator_mode_answers_the_emulator_on_loopback(emulator: TeamsWorld) -> None:
    said = await emulator.post(ta.personal_message("help", service_url=emulator.fake.url))

    assert said.status == 200 and "join" in said


async def test_a_stored_reference_elsewhere_is_never_called_in_emulator_mode(
    emulator: TeamsWorld,
) -> None:
    # A reference an earlier, unauthenticated version may have stored.
    user = UserRef(Platform.TEAMS, ta.DEFAULT_TENANT_ID, ta.make_user_id("Eve"))
    async with emulator.runtime.db.session() as session:
        person = await upsert_person(
            session, platform="teams", workspace=user.workspace, user_id=user.user_id
        )
        assert person.id is not None
        reference = {"serviceUrl": attacker_url(emulator.fake), "user": {"id": user.user_id}}
        await save_reference(session, person.id, "a:stored", reference)
    sender = emulator.runtime.senders[Platform.TEAMS]
    assert isinstance(sender, TeamsSender)

    with pytest.raises(PermanentError, match="only on loopback"):
        await sender.send_direct(user, Message((Text("Your check-in"),)))

    assert emulator.fake.calls == []


@pytest.mark.parametrize(
    ("url", "emulator_mode", "allowed"),
    [
        ("http://127.0.0.1:3978/", True, True),
        ("http://localhost/", True, True),
        ("http://[::1]:8080/", True, True),
        ("https://smba.trafficmanager.net/emea/", True, False),
        ("http://10.0.0.5/", True, False),
        ("http://127.0.0.1@attacker.example/", True, False),
        ("https://smba.trafficmanager.net/emea/", False, True),
        ("http://smba.trafficmanager.net/emea/", False, False),  # the token never in clear
        ("http://127.0.0.1:3978/", False, True),
        ("ftp://127.0.0.1/", False, False),
    ],
)
def test_where_the_bot_may_call(url: str, emulator_mode: bool, allowed: bool) -> None:
    assert service_url_allowed(URL(url), loopback_only=emulator_mode) is allowed


async def test_a_refused_service_url_fetches_no_token() -> None:
    asked: list[str] = []

    async def token() -> str:
        asked.append("token")
        return "Bearer secret"

    connector = BotConnector(token)
    try:
        with pytest.raises(PermanentError):
            await connector.send("http://smba.trafficmanager.net/emea/", "a:1", {"type": "message"})
    finally:
        await connector.close()
    assert asked == []


# --- oversized bodies ----------------------------------------------------------------------


async def _post_big(client: TestClient[Any, Any], body: bytes) -> int:
    headers = {"Content-Type": "application/json"}
    async with client.post("/api/messages", data=io.BytesIO(body), headers=headers) as response:
        return response.status


def _oversized() -> bytes:
    activity = ta.personal_message("x", service_url="http://127.0.0.1/")
    activity["text"] = "x" * (MAX_ACTIVITY_BYTES + 1)
    return json.dumps(activity).encode()


async def test_an_oversized_body_gets_413_with_nothing_stored(emulator: TeamsWorld) -> None:
    before = await footprint(emulator.runtime.db)

    status = await _post_big(emulator.client, _oversized())

    assert status == 413
    assert emulator.fake.calls == []
    assert await footprint(emulator.runtime.db) == before


async def test_an_oversized_body_without_a_length_gets_413_too(emulator: TeamsWorld) -> None:
    body = _oversized()

    async def chunks() -> Any:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = await emulator.client.post(
        "/api/messages", data=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status == 413
    assert emulator.fake.calls == []


async def test_with_an_app_id_an_oversized_body_gets_413_before_any_token_check(
    db: Database, tmp_path: Path, fake: FakeBotConnector
) -> None:
    settings = teams_settings(
        tmp_path, microsoft_app_id=ta.DEFAULT_BOT_APP_ID, microsoft_app_password="x"
    )
    _world, client = await start_world(db, settings, fake)
    try:
        status = await _post_big(client, _oversized())
    finally:
        await client.close()
    assert status == 413
    assert fake.calls == []
