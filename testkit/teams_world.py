"""Teams as the bot sees it, over HTTP: people post activities to ``/api/messages`` of the real
aiohttp app; the fake Bot Connector records what the bot sends back.

    ada = teams.user("Ada Lovelace", locale="fr-FR")
    said = await ada.types("join")
    await ada.presses("Next", role="mentor")
    assert ada.sees("Topics")

Every message the bot sends is checked on the way (valid Adaptive Card 1.5, text fallback,
under Teams' size limit). Nothing sleeps: the bot answers before the HTTP response returns.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from aiohttp.test_utils import TestClient, TestServer

import app as app_module
from adapters.settings import Settings
from adapters.teams.glue import TEAMS_BOT
from app import Runtime, build_runtime, build_web_app
from storage.db import Database
from storage.programmes import seed_default_programme
from testkit import teams_activities as ta
from testkit.adaptive_cards import adaptive_cards, assert_valid_activity
from testkit.bot_connector import FakeBotConnector

JSON = dict[str, Any]
META = "_mentoring"


def card_texts(card: Mapping[str, Any]) -> list[str]:
    """Every visible text of a card: blocks, facts, input labels and choices, buttons."""
    texts: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            for key in ("text", "label", "title", "altText", "placeholder"):
                if isinstance(item.get(key), str):
                    texts.append(item[key])
            if "type" not in item and isinstance(item.get("value"), str):  # a fact
                texts.append(item["value"])
            for key in ("body", "items", "actions", "facts", "choices", "columns"):
                walk(item.get(key))

    walk(card)
    return texts


def activity_text(activity: Mapping[str, Any]) -> str:
    """What a person reads in a message: its text, or its cards' texts."""
    parts = [activity["text"]] if isinstance(activity.get("text"), str) else []
    for card in adaptive_cards(activity):
        parts += card_texts(card)
    return "\n".join(parts)


def card_inputs(card: Mapping[str, Any]) -> list[JSON]:
    """The inputs of a card, in order."""
    found: list[JSON] = []

    def walk(item: object) -> None:
        if isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            if str(item.get("type", "")).startswith("Input."):
                found.append(item)
            for key in ("body", "items"):
                walk(item.get(key))

    walk(card)
    return found


def card_actions(card: Mapping[str, Any]) -> list[JSON]:
    """Every action of a card (in action sets and in the action bar)."""
    found: list[JSON] = list(card.get("actions") or [])

    def walk(item: object) -> None:
        if isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            if item.get("type") == "ActionSet":
                found.extend(item.get("actions") or [])
            walk(item.get("items"))

    walk(card.get("body"))
    return found


@dataclass
class Said:
    """What the bot sent during one thing a person did."""

    status: int
    activities: list[JSON]

    @property
    def text(self) -> str:
        """Everything sent, as text."""
        return "\n".join(activity_text(a) for a in self.activities)

    def __contains__(self, fragment: str) -> bool:
        return fragment.lower() in self.text.lower()


@dataclass
class TeamsWorld:
    """The running app, the fake connector, and the people of one test."""

    client: TestClient[Any, Any]
    fake: FakeBotConnector
    runtime: Runtime
    sleeps: list[float] = field(default_factory=list)

    async def post(self, activity: Mapping[str, Any], **headers: str) -> Said:
        """POST an activity; what the bot sent meanwhile (every message checked)."""
        before = len(self.fake.sent_activities())
        updates_before = len(self.fake.calls_for("update", status=200))
        response = await self.client.post(
            "/api/messages", data=json.dumps(activity), headers=headers or None
        )
        await response.read()
        sent = self.fake.sent_activities()[before:]
        updated = [c.json for c in self.fake.calls_for("update", status=200)[updates_before:]]
        for a in [*sent, *updated]:
            assert_valid_activity(a)
        return Said(response.status, [*sent, *updated])

    async def post_raw(self, body: bytes, content_type: str = "application/json") -> int:
        """POST any bytes; the status."""
        response = await self.client.post(
            "/api/messages", data=body, headers={"Content-Type": content_type}
        )
        await response.read()
        return response.status

    def user(
        self,
        name: str,
        *,
        locale: str = "en-US",
        timezone: str = "Europe/London",
        tenant: str = ta.DEFAULT_TENANT_ID,
        installed: bool = True,
    ) -> TeamsUser:
        """A Teams user of the tenant, known to the fake connector."""
        user_id = ta.make_user_id(name)
        aad = str(uuid.uuid5(uuid.NAMESPACE_URL, f"aad:{name}"))
        self.fake.add_user(user_id, name, aad, tenant, locale, installed=installed)
        return TeamsUser(self, name, user_id, aad, tenant, locale, timezone)


@dataclass
class TeamsUser:
    """Someone talking to the bot in Teams."""

    world: TeamsWorld
    name: str
    user_id: str
    aad_object_id: str
    tenant: str
    locale: str
    timezone: str
    last: Said | None = None

    @property
    def chat_id(self) -> str:
        """This person's 1:1 conversation with the bot."""
        return self.world.fake.personal_conversation_id(self.user_id)

    def _who(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "aad_object_id": self.aad_object_id,
            "tenant_id": self.tenant,
            "service_url": self.world.fake.url,
            "locale": self.locale,
            "timezone": self.timezone,
            "user_name": self.name,
        }

    async def _post(self, activity: JSON) -> Said:
        self.last = await self.world.post(activity)
        assert self.last.status == 200, f"the bot answered {self.last.status}"
        return self.last

    async def types(self, text: str, **overrides: Any) -> Said:
        """Type to the bot in the 1:1 chat."""
        return await self._post(ta.personal_message(text, **{**self._who(), **overrides}))

    async def mentions(self, text: str, **overrides: Any) -> Said:
        """@mention the bot in a team channel."""
        who = self._who()
        return await self._post(ta.channel_mention(text, **{**who, **overrides}))

    async def mentions_in_group_chat(self, text: str) -> Said:
        """@mention the bot in a group chat."""
        return await self._post(ta.group_chat_mention(text, **self._who()))

    def chat(self) -> list[JSON]:
        """The bot's messages in the 1:1 chat as the person now sees them (updates applied)."""
        return self.world.fake.transcript(self.chat_id)

    def card(self, with_action: str | None = None) -> JSON:
        """The latest message of the 1:1 chat holding a card (with this action title)."""
        for activity in reversed(self.chat()):
            for card in adaptive_cards(activity):
                titles = [a.get("title") for a in card_actions(card)]
                if with_action is None or with_action in titles:
                    return activity
        raise AssertionError(f"{self.name} sees no card with {with_action!r}")

    def sees(self, fragment: str) -> bool:
        """True when the bot's latest answer contains ``fragment`` (case-insensitive)."""
        assert self.last is not None
        return fragment in self.last

    def submission(self, title: str, card_activity: JSON | None = None, **inputs: Any) -> JSON:
        """The activity Teams sends when this person presses ``title`` on a card.

        Like Teams: the action's data merged with every input's current value; a required
        input left empty blocks the submission (unless the action takes no inputs).
        """
        activity = card_activity or self.card(title)
        [card] = adaptive_cards(activity)
        action = next(a for a in card_actions(card) if a.get("title") == title)
        value: JSON = dict(action.get("data") or {})
        if str(action.get("associatedInputs", "auto")).lower() != "none":
            for field_ in card_inputs(card):
                given = inputs.get(field_["id"], field_.get("value", ""))
                if field_["type"] == "Input.Toggle" and field_["id"] not in inputs:
                    given = field_.get("value", field_.get("valueOff", "false"))
                if isinstance(given, list | tuple):
                    given = ",".join(given)
                if isinstance(given, bool):
                    given = field_.get("valueOn", "true") if given else field_.get("valueOff")
                given = str(given)
                if field_.get("isRequired") and not given:
                    raise AssertionError(f"Teams would not submit: {field_['id']} is required")
                value[field_["id"]] = given
        return ta.card_submit(value, reply_to_id=activity["id"], **self._who())

    async def presses(self, title: str, card_activity: JSON | None = None, **inputs: Any) -> Said:
        """Press a card button (``Action.Submit``), with these input values."""
        return await self._post(self.submission(title, card_activity, **inputs))


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
    with mock.patch.object(app_module, "Database", return_value=db):
        runtime = await build_runtime(settings, migrate=False)
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
