"""Drive the local chat over real HTTP, as the page does.

The app is built as ``python app.py`` builds it; a persona talks to it::

    priya = chat.persona("L-priya")
    await priya.types("/mentoring join")
    await priya.submits(role="mentor")
    assert await priya.sees("Please check your enrolment")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

import app
from adapters.settings import Settings
from storage.db import Database

_event_ids = itertools.count(1)


def local_settings(**overrides: Any) -> Settings:
    """Local mode on loopback: no platform credentials, the default programme seeded."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "mentoring_seed_programme": True,
        "mentoring_admins": [],
        "mentoring_managers": [],
        "slack_bot_token": None,
        "slack_signing_secret": None,
        "slack_app_token": None,
        "microsoft_app_id": None,
        "microsoft_app_password": None,
        "local_chat": None,
        **overrides,
    }
    return Settings(_env_file=None, **values)


class Answer:
    """An API answer: status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body

    @property
    def error(self) -> str | None:
        """The error code of a 4xx answer."""
        return self.body.get("error") if isinstance(self.body, dict) else None


def text_of(message: dict[str, Any]) -> str:
    """What a person reads in one page message (forms: title, labels, errors)."""
    if message["kind"] == "user":
        return "".join(r["text"] for line in message["lines"] for r in line["runs"])
    if message["kind"] == "form":
        form = message["form"]
        parts = [form["title"], form.get("status", "")]
        for f in form.get("fields", []):
            parts += [f["label"], f.get("error") or ""]
        return "\n".join(parts)
    return str(message["fallback"])


@dataclass
class Persona:
    """One demo persona, driven through the JSON API like the page does."""

    chat: LocalChatClient
    id: str

    async def messages(self, conversation: str = "dm") -> list[dict[str, Any]]:
        """What this persona sees in a conversation (``dm``, ``general``, ``home``)."""
        answer = await self.chat.get(f"/local/api/personas/{self.id}/conversations/{conversation}")
        assert answer.status == 200, answer.body
        return list(answer.body["messages"])

    async def text(self, conversation: str = "dm") -> str:
        """Everything this persona reads in a conversation."""
        return "\n".join(text_of(m) for m in await self.messages(conversation))

    async def sees(self, fragment: str, conversation: str = "dm") -> bool:
        """True when the conversation shows ``fragment``."""
        return fragment in await self.text(conversation)

    async def types(self, text: str, conversation: str = "dm") -> Answer:
        """Type a line in the composer."""
        body = {"persona": self.id, "conversation": conversation, "text": text}
        return await self.chat.post("/local/api/command", body)

    async def open_form(self, conversation: str = "dm") -> dict[str, Any]:
        """The latest open form this persona sees."""
        forms = [
            m
            for m in await self.messages(conversation)
            if m["kind"] == "form" and m["form"]["status"] == "open"
        ]
        assert forms, f"{self.id} has no open form"
        return forms[-1]

    async def submits(self, conversation: str = "dm", **values: Any) -> Answer:
        """Submit the open form (fields not given keep their value)."""
        form = await self.open_form(conversation)
        merged: dict[str, Any] = {
            f["name"]: f["value"] for f in form["form"]["fields"] if f["value"] is not None
        }
        merged.update(values)
        body = {"persona": self.id, "message_id": form["id"], "values": merged}
        body["event_id"] = f"e{next(_event_ids)}"
        return await self.chat.post("/local/api/form", body)

    async def button(self, label: str, conversation: str = "dm") -> tuple[int, dict[str, Any]]:
        """The message id and the most recent button with this label."""
        for message in reversed(await self.messages(conversation)):
            for element in message.get("elements", []):
                for b in element.get("buttons", []):
                    if b["label"] == label:
                        return message["id"], b
        raise AssertionError(f"{self.id} sees no button {label!r}")

    async def clicks(self, label: str, conversation: str = "dm") -> Answer:
        """Click a button seen in a conversation."""
        message_id, b = await self.button(label, conversation)
        body = {
            "persona": self.id,
            "message_id": message_id,
            "action_id": b["action_id"],
            "value": b["value"],
        }
        return await self.chat.post("/local/api/action", body)


class LocalChatClient:
    """An HTTP client of the running app, and the runtime behind it."""

    def __init__(self, client: TestClient[Any, Any], runtime: app.Runtime) -> None:
        self.client = client
        self.runtime = runtime

    def persona(self, user_id: str) -> Persona:
        """A demo persona."""
        return Persona(self, user_id)

    async def get(self, path: str, **kwargs: Any) -> Answer:
        """GET, JSON answer."""
        async with self.client.get(path, **kwargs) as response:
            return Answer(response.status, await _json(response))

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        """POST a JSON body (or raw ``data=``), JSON answer."""
        if body is not None:
            kwargs["json"] = body
        async with self.client.post(path, **kwargs) as response:
            return Answer(response.status, await _json(response))


async def _json(response: Any) -> Any:
    if response.content_type == "application/json":
        return await response.json()
    return await response.text()


async def start_chat(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Build the app exactly as ``python app.py`` does, on the test's database, and serve it."""
    monkeypatch.setattr(app, "Database", lambda _url: db)
    runtime = await app.build_runtime(settings)
    server = TestServer(app.build_web_app(runtime), host="127.0.0.1")
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    return LocalChatClient(client, runtime)
