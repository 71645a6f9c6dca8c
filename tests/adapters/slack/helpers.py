"""Run the whole bot as Slack sees it: signed HTTP requests in, Web API calls to a fake out.

    async with running_slack_app(db) as slack:
        alice = slack.person("U0001", "Alice", locale="en-US")
        await alice.types("/mentoring join")
        await alice.submits(role="mentor")
        assert alice.sees("Privacy")

``running_slack_app`` builds the real app (``app.build_runtime`` +
``app.build_web_app``) on a given database, serves it over loopback HTTP and
points its Web API client at an in-process ``FakeSlackApi``. A ``SlackPerson``
types slash commands, clicks the buttons it was shown, fills the modal it has
open and reads what came back: the ack body, ``response_url`` posts, messages,
ephemerals, views. Every Block Kit payload passing by is validated with
slack_sdk's models. Nothing sleeps: each step waits for the adapter to be idle.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

import app as app_module
from adapters.settings import Settings
from adapters.slack.blocks import neutral_action_id
from adapters.slack.glue import SLACK_KEY, SlackAdapter
from storage.db import Database
from testkit.slack_api import FakeSlackApi
from testkit.slack_signing import (
    app_home_opened_event,
    app_mention_event,
    block_actions_body,
    event_callback_body,
    message_event,
    signed_request_headers,
    slash_command_body,
    view_submission_body,
)

SECRET = "test-signing-secret"
TEAM = "T0001"

JsonDict = dict[str, Any]

# Web API methods whose arguments carry Block Kit.
_MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")
_VIEW_METHODS = ("views.open", "views.push", "views.update", "views.publish")


# --- Block Kit validation ----------------------------------------------------------------


def assert_valid_blocks(blocks: Iterable[JsonDict], *, limit: int) -> None:
    """Each block is a known Block Kit block within its limits (slack_sdk's models)."""
    blocks = list(blocks)
    assert len(blocks) <= limit, f"{len(blocks)} blocks, Slack allows {limit}"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, f"unknown block type {raw.get('type')!r}"
        parsed.validate_json()
        assert parsed.to_dict() == raw, f"block does not round-trip: {raw}"
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids)), "duplicate block ids"
    for b in blocks:
        if b.get("type") == "actions":
            action_ids = [e["action_id"] for e in b["elements"] if "action_id" in e]
            assert len(action_ids) == len(set(action_ids)), "duplicate action ids in a block"
            for e in b["elements"]:
                assert len(e.get("value", "")) <= 2000


def assert_valid_message(payload: Mapping[str, Any]) -> None:
    """A message payload: a text fallback and valid blocks."""
    assert str(payload.get("text") or "").strip(), "a message without a text fallback"
    blocks = payload.get("blocks")
    if blocks:
        assert_valid_blocks(blocks, limit=50)


def assert_valid_view(view: Mapping[str, Any]) -> None:
    """A modal or home view, validated by slack_sdk's View model."""
    View(**view).validate_json()
    assert_valid_blocks(view.get("blocks", []), limit=100)
    assert len(view.get("private_metadata", "")) <= 3000


def assert_valid_call(method: str, args: Mapping[str, Any]) -> None:
    """Validate the Block Kit of one recorded Web API call or response_url post."""
    if method in _MESSAGE_METHODS or method == "response_url":
        if method == "response_url" and args.get("delete_original"):
            return
        assert_valid_message(args)
    elif method in _VIEW_METHODS:
        view = args["view"]
        assert isinstance(view, dict), "the view was not valid JSON"
        assert_valid_view(view)


def assert_all_valid(fake: FakeSlackApi) -> int:
    """Validate every Block Kit payload the fake received; returns how many were checked."""
    checked = 0
    for call in fake.calls:
        if call.method in (*_MESSAGE_METHODS, *_VIEW_METHODS, "response_url"):
            assert_valid_call(call.method, call.args)
            checked += 1
    return checked


# --- what a person sees ---------------------------------------------------------------------


def _texts(node: Any) -> Iterable[str]:
    """Every human-readable text in a Block Kit tree."""
    if isinstance(node, Mapping):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node["text"]
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


@dataclass
class Seen:
    """One thing that reached Slack: a message, an ephemeral, a modal, a home view."""

    kind: str  # ack | response_url | chat.postMessage | chat.postEphemeral | views.open | ...
    payload: JsonDict
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None
    ephemeral: bool = False

    @property
    def blocks(self) -> list[JsonDict]:
        """The blocks shown (a view's or a message's)."""
        view = self.payload.get("view")
        if isinstance(view, Mapping):
            return list(view.get("blocks", []))
        return list(self.payload.get("blocks") or [])

    @property
    def text(self) -> str:
        """Everything readable: the fallback text and every text in the blocks."""
        parts = [str(self.payload.get("text") or "")]
        view = self.payload.get("view")
        if isinstance(view, Mapping):
            parts += list(_texts(view.get("title")))
        parts += list(_texts(self.blocks))
        return "\n".join(p for p in parts if p)

    def buttons(self) -> list[JsonDict]:
        """The buttons shown, in order."""
        found = []
        for block in self.blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else []
            accessory = block.get("accessory")
            if isinstance(accessory, Mapping):
                elements = [*elements, accessory]
            found += [e for e in elements if e.get("type") == "button"]
        return found


@dataclass
class Turn:
    """What came back from one thing a person did."""

    status: int
    ack: JsonDict | None
    seen: list[Seen] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All the text of this turn."""
        return "\n\n".join(s.text for s in self.seen)

    def calls(self, kind: str) -> list[Seen]:
        """What this turn produced of one kind (``views.open``, ``response_url``…)."""
        return [s for s in self.seen if s.kind == kind]


# --- the running app -----------------------------------------------------------------------------


@dataclass
class SlackTestApp:
    """The bot served over loopback HTTP, its adapter, and the fake Slack it talks to."""

    fake: FakeSlackApi
    http: TestClient[Any, Any]
    web_app: Any
    runtime: app_module.Runtime
    secret: str = SECRET

    @property
    def adapter(self) -> SlackAdapter:
        """The mounted Slack adapter."""
        adapter: SlackAdapter = self.web_app[SLACK_KEY]
        return adapter

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, JsonDict | None]:
        """Send one signed request to ``/slack/events``; (status, JSON body or None)."""
        signed = signed_request_headers(secret or self.secret, body, content_type, timestamp)
        response = await self.http.post(
            "/slack/events", data=body, headers={**signed, **(headers or {})}
        )
        raw = await response.read()
        data: JsonDict | None = None
        if raw and response.content_type == "application/json":
            data = json.loads(raw)
        return response.status, data

    async def idle(self) -> None:
        """Wait until every answer the adapter sends after its acks is out."""
        await self.adapter.idle()

    def person(
        self,
        user_id: str,
        name: str,
        *,
        locale: str = "en-US",
        tz: str = "Europe/Paris",
        team_id: str = TEAM,
    ) -> SlackPerson:
        """Someone in the workspace (known to the fake's ``users.info``)."""
        if team_id == self.fake.team_id:
            self.fake.add_user(user_id, name.lower(), name, tz=tz, locale=locale, display_name=name)
        return SlackPerson(self, user_id, name, team_id)


def slack_settings(fake: FakeSlackApi, **overrides: Any) -> Settings:
    """Settings for a bot whose Web API is the fake."""
    values: dict[str, Any] = {
        "slack_bot_token": fake.token,
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.base_url,
        "mentoring_admins": ["UADMIN"],
        "mentoring_managers": ["UMANAGER"],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def running_slack_app(
    db: Database, fake: FakeSlackApi | None = None, **settings: Any
) -> AsyncIterator[SlackTestApp]:
    """The real app (build_runtime + build_web_app) on ``db``, served on loopback HTTP.

    ``settings`` override ``slack_settings`` (e.g. ``slack_team_id="T0001"``). The
    default programme is seeded, as at a real start.
    """
    own_fake = fake is None
    fake = fake or FakeSlackApi()
    if own_fake:
        await fake.start()
    try:
        config = slack_settings(fake, **settings)
        with mock.patch.object(app_module, "Database", return_value=db):
            runtime = await app_module.build_runtime(config)
        web_app = app_module.build_web_app(runtime)
        client: TestClient[Any, Any] = TestClient(TestServer(web_app))
        await client.start_server()
        slack = SlackTestApp(fake, client, web_app, runtime)
        try:
            yield slack
            await slack.idle()
        finally:
            await client.close()
    finally:
        if own_fake:
            await fake.stop()


# --- a person in the workspace -------------------------------------------------------------------


class SlackPerson:
    """Someone using the bot in Slack: types, clicks, fills modals, reads answers."""

    def __init__(self, slack: SlackTestApp, user_id: str, name: str, team_id: str) -> None:
        self.slack = slack
        self.user_id = user_id
        self.name = name
        self.team_id = team_id
        self.turns: list[Turn] = []
        self.modal: JsonDict | None = None  # the modal this person has open
        self.home: JsonDict | None = None

    @property
    def fake(self) -> FakeSlackApi:
        """The fake Slack."""
        return self.slack.fake

    @property
    def last(self) -> Turn:
        """The latest turn."""
        return self.turns[-1]

    def sees(self, fragment: str) -> bool:
        """True when the latest turn shows ``fragment`` (case-insensitive)."""
        return fragment.lower() in self.last.text.lower()

    @property
    def dm_channel(self) -> str:
        """The bot's DM channel with this person (opened in the fake on first use)."""
        return self.fake.add_dm(self.user_id)

    def reads_dm(self) -> Turn:
        """What the bot posted in this person's DM on its own (intros, check-ins, notices),
        as a turn whose buttons can be clicked."""
        posted = self.fake.messages_by_channel().get(self.dm_channel, [])
        seen = [Seen("chat.postMessage", m, self.dm_channel, str(m.get("ts"))) for m in posted]
        turn = Turn(200, None, seen)
        self.turns.append(turn)
        return turn

    async def _turn(self, body: bytes, content_type: str, ack_kind: str = "ack") -> Turn:
        start = len(self.fake.calls)
        status, ack = await self.slack.post(body, content_type)
        await self.slack.idle()
        turn = Turn(status, ack)
        if ack and ack_kind == "ack" and (ack.get("text") or ack.get("blocks")):
            assert_valid_message(ack)
            turn.seen.append(Seen("ack", ack, ephemeral=ack.get("response_type") != "in_channel"))
        for call in self.fake.calls[start:]:
            self._record(turn, call.method, call.args, call.response, call.ok)
        self.turns.append(turn)
        return turn

    def _record(self, turn: Turn, method: str, args: JsonDict, response: Any, ok: bool) -> None:
        if not ok:
            return
        assert_valid_call(method, args)
        if method == "response_url":
            ephemeral = args.get("response_type") != "in_channel"
            turn.seen.append(Seen(method, args, ephemeral=ephemeral, ts=_fresh_ts()))
        elif method in ("chat.postMessage", "chat.update"):
            turn.seen.append(Seen(method, args, response.get("channel"), response.get("ts")))
        elif method == "chat.postEphemeral":
            channel = args.get("channel")
            turn.seen.append(
                Seen(method, args, channel, response.get("message_ts"), ephemeral=True)
            )
        elif method in ("views.open", "views.push", "views.update"):
            view_id = response["view"]["id"]
            turn.seen.append(Seen(method, args, view_id=view_id))
            if response["view"].get("type") == "modal":
                self.modal = response["view"]
        elif method == "views.publish":
            turn.seen.append(Seen(method, args, view_id=response["view"]["id"]))
            self.home = response["view"]

    # --- things a person does ---------------------------------------------------------------

    async def types(
        self, text: str, *, channel: str = "C0001", channel_name: str = "general"
    ) -> Turn:
        """``/mentoring <text>`` in a channel (``channel_name="directmessage"`` for a DM)."""
        body, content_type = slash_command_body(
            text=text,
            user_id=self.user_id,
            user_name=self.name.lower(),
            team_id=self.team_id,
            channel_id=channel,
            channel_name=channel_name,
            trigger_id=self.fake.new_trigger_id(self.user_id),
            response_url=self.fake.new_response_url("commands"),
        )
        return await self._turn(body, content_type)

    async def says(self, text: str) -> Turn:
        """A message in the bot's DM (``message.im``)."""
        event = message_event(
            text, user_id=self.user_id, channel_id=self.dm_channel, team_id=self.team_id
        )
        body, content_type = event_callback_body(event, team_id=self.team_id)
        return await self._turn(body, content_type)

    async def mentions(self, text: str, *, channel: str = "C0001") -> Turn:
        """``@bot <text>`` in a channel (``app_mention``)."""
        event = app_mention_event(
            text, user_id=self.user_id, channel_id=channel, team_id=self.team_id
        )
        body, content_type = event_callback_body(event, team_id=self.team_id)
        return await self._turn(body, content_type)

    async def opens_home(self) -> Turn:
        """Opens the bot's App Home tab."""
        event = app_home_opened_event(self.user_id, channel_id=self.dm_channel)
        body, content_type = event_callback_body(event, team_id=self.team_id)
        return await self._turn(body, content_type)

    def _find_button(self, label: str) -> tuple[Seen | None, JsonDict]:
        for turn in reversed(self.turns):
            for seen in reversed(turn.seen):
                for button in seen.buttons():
                    shown = button["text"]["text"]
                    if label in (
                        shown,
                        button["action_id"],
                        neutral_action_id(button["action_id"]),
                    ):
                        if seen.view_id is not None:  # a button in a modal or the App Home
                            return None, {**button, "_view": self._view(seen.view_id)}
                        return seen, button
        for view in (self.modal, self.home):
            if view is None:
                continue
            for button in Seen("view", {"view": view}).buttons():
                if label in (button["text"]["text"], neutral_action_id(button["action_id"])):
                    return None, {**button, "_view": view}
        raise AssertionError(f"{self.name} was shown no button {label!r}")

    def _view(self, view_id: str) -> JsonDict:
        if self.modal is not None and self.modal.get("id") == view_id:
            return self.modal
        return self.fake.view_for(view_id)

    def click_body(self, label: str) -> tuple[bytes, str]:
        """The ``block_actions`` payload for clicking a button this person was shown."""
        seen, button = self._find_button(label)
        block_id = "actions"
        view = button.pop("_view", None)
        common: dict[str, Any] = {
            "value": button.get("value"),
            "block_id": block_id,
            "user_id": self.user_id,
            "user_name": self.name.lower(),
            "team_id": self.team_id,
            "trigger_id": self.fake.new_trigger_id(self.user_id),
        }
        if view is not None:
            return block_actions_body(button["action_id"], view=view, **common)
        assert seen is not None
        channel = seen.channel or (
            seen.payload.get("channel") if isinstance(seen.payload.get("channel"), str) else None
        )
        message = {
            "type": "message",
            "user": self.fake.bot_user_id,
            "bot_id": self.fake.bot_id,
            "text": seen.payload.get("text", ""),
            "ts": seen.ts or _fresh_ts(),
            "blocks": seen.blocks,
        }
        return block_actions_body(
            button["action_id"],
            channel_id=channel or "C0001",
            message_ts=message["ts"],
            message=message,
            is_ephemeral=seen.ephemeral,
            response_url=self.fake.new_response_url("actions"),
            **common,
        )

    async def clicks(self, label: str) -> Turn:
        """Click a button (by label or action id) from what this person was shown."""
        body, content_type = self.click_body(label)
        return await self._turn(body, content_type)

    def submission_body(self, **values: Any) -> tuple[bytes, str]:
        """The ``view_submission`` payload of the open modal, with these values."""
        view = self.modal
        assert view is not None, f"{self.name} has no modal open"
        state = modal_state(view, values)
        return view_submission_body(
            view["callback_id"],
            state,
            user_id=self.user_id,
            user_name=self.name.lower(),
            team_id=self.team_id,
            view_id=view.get("id", "V0000000001"),
            private_metadata=view.get("private_metadata", ""),
            blocks=view["blocks"],
            title=view["title"]["text"],
            trigger_id=self.fake.new_trigger_id(self.user_id),
        )

    async def submits(self, **values: Any) -> Turn:
        """Submit the open modal; fields not given keep their initial values."""
        view = self.modal
        body, content_type = self.submission_body(**values)
        turn = await self._turn(body, content_type, ack_kind="view")
        ack = turn.ack or {}
        action = ack.get("response_action")
        if action in ("update", "push"):
            self.modal = {**ack["view"], "id": (view or {}).get("id", "V0000000001")}
            assert_valid_view(ack["view"])
            turn.seen.append(Seen("response_action", ack, view_id=self.modal["id"]))
        elif action == "errors":
            turn.seen.append(Seen("errors", {"text": "\n".join(ack["errors"].values())}))
        elif turn.status == 200 and not any(s.kind == "views.update" for s in turn.seen):
            self.modal = None  # "clear" or an empty ack closes the modal
        return turn

    @property
    def errors(self) -> dict[str, str]:
        """The field errors of the latest submission."""
        ack = self.last.ack or {}
        return dict(ack.get("errors", {})) if ack.get("response_action") == "errors" else {}


def _fresh_ts() -> str:
    return f"{time.time():.6f}"


def _option_for(element: JsonDict, value: str) -> JsonDict | None:
    for option in element.get("options", []):
        if option["value"] == value:
            found: JsonDict = option
            return found
    return None


def modal_state(view: JsonDict, values: Mapping[str, Any]) -> JsonDict:
    """``view.state.values`` as Slack builds it: given values, else the initial ones."""
    state: JsonDict = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        name = block["block_id"]
        kind = element["type"]
        given = values.get(name)
        entry: JsonDict = {"type": kind}
        if kind in ("plain_text_input", "number_input"):
            value = element.get("initial_value") if given is None else str(given)
            entry["value"] = value
        elif kind in ("static_select", "radio_buttons"):
            option = element.get("initial_option") if given is None else _option_for(element, given)
            entry["selected_option"] = option
        elif kind in ("multi_static_select", "checkboxes"):
            if given is None:
                entry["selected_options"] = element.get("initial_options", [])
            else:
                wanted = [given] if isinstance(given, str | bool) else list(given)
                if wanted in ([True], ["yes"]) and len(element.get("options", [])) == 1:
                    wanted = [element["options"][0]["value"]]
                if wanted == [False]:
                    wanted = []
                chosen = [_option_for(element, str(w)) for w in wanted]
                entry["selected_options"] = [o for o in chosen if o is not None]
        state[name] = {element["action_id"]: entry}
    return state


def new_trigger(slack: SlackTestApp, user_id: str) -> str:
    """A fresh trigger id the fake will accept once, for 3 seconds."""
    return slack.fake.new_trigger_id(user_id)


def random_event_id() -> str:
    """An Events API event id."""
    return "Ev" + secrets.token_hex(5).upper()
