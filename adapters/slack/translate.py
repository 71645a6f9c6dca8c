"""Slack payloads → neutral events, and where each request came from (pure, no I/O).

Slash commands, ``block_actions``, ``view_submission`` and Events API callbacks
are turned into ``bot.model`` events plus an ``Origin``: the channel, trigger,
``response_url`` or view that the answer goes back through.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from adapters.slack.blocks import neutral_action_id
from bot.core.model import (
    Action,
    Actor,
    Command,
    ConversationRef,
    Event,
    FormSubmission,
    HomeOpened,
    MemberJoined,
    MessageRef,
    PlainMessage,
    Platform,
    UserRef,
)

Kind = Literal["dm", "group", "channel"]
OriginKind = Literal["command", "action", "view", "event"]

METADATA_LIMIT = 3000  # Slack's limit on a view's private_metadata
CLICK_WINDOW_S = 2.0  # two clicks on the same button closer than half of this are one click

_MENTION = re.compile(r"^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+")
_COMMAND_WORD = re.compile(r"^/?mentoring\b", re.IGNORECASE)

# The Events API events the bot subscribes to (see manifest.yml); others are acked and ignored.
HANDLED_EVENTS = ("message", "app_mention", "app_home_opened", "member_joined_channel")

# Message subtypes a person types; everything else (edits, joins, bots) is not for the engine.
_PERSON_SUBTYPES = frozenset({"", "file_share", "thread_broadcast"})


class MalformedPayload(ValueError):
    """The payload lacks what every Slack request of its kind carries."""


@dataclass(frozen=True)
class Profile:
    """What ``users.info`` tells about a person (empty when unknown)."""

    display_name: str = ""
    locale: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class FormMetadata:
    """What a modal carries in ``private_metadata``: the form state and where it was opened."""

    state: str = ""
    channel_id: str | None = None
    channel_kind: Kind = "channel"
    response_url: str | None = None


@dataclass(frozen=True)
class Origin:
    """Where a request came from, and so how its answer travels back."""

    kind: OriginKind
    team_id: str
    user_id: str
    channel_id: str | None = None
    channel_kind: Kind = "channel"
    thread_ts: str | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    message_ts: str | None = None
    message_is_ephemeral: bool = False
    view_id: str | None = None
    view_type: str | None = None  # "modal" or "home" for actions inside a view
    metadata: FormMetadata = field(default_factory=FormMetadata)
    bot_dm: bool = False  # the channel is the bot's own DM with this person

    @property
    def user(self) -> UserRef:
        """The person behind the request."""
        return UserRef(Platform.SLACK, self.team_id, self.user_id)

    @property
    def conversation(self) -> ConversationRef:
        """The conversation the request belongs to (the person's DM when there is none)."""
        if self.channel_id:
            return ConversationRef(
                Platform.SLACK, self.team_id, self.channel_id, self.channel_kind, self.thread_ts
            )
        # Slack posts a message sent "to a user id" into the bot's DM with that person.
        return ConversationRef(Platform.SLACK, self.team_id, self.user_id, "dm")


# --- small readers -------------------------------------------------------------------


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _required(data: Mapping[str, Any], key: str) -> str:
    value = _str(data, key).strip()
    if not value:
        raise MalformedPayload(f"missing {key}")
    return value


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def channel_kind(channel_id: str, channel_name: str = "") -> Kind:
    """``dm`` for a direct message, ``group`` for a group DM, ``channel`` otherwise."""
    if channel_id.startswith("D") or channel_name == "directmessage":
        return "dm"
    if channel_name.startswith("mpdm-"):
        return "group"
    return "channel"


def payload_kind(body: object) -> str | None:
    """``command`` for a slash command, else the payload's ``type``; None when it has neither."""
    if not isinstance(body, Mapping):
        return None
    if isinstance(body.get("command"), str) and body.get("command"):
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind else None


def requester(body: Mapping[str, Any]) -> tuple[str, str]:
    """The (team id, user id) of whoever sent an interactive payload or a command."""
    if payload_kind(body) == "command":
        return _required(body, "team_id"), _required(body, "user_id")
    user = _mapping(body, "user")
    team = _str(user, "team_id") or _str(_mapping(body, "team"), "id")
    team = team or _str(_mapping(body, "view"), "team_id")
    if not team:
        raise MalformedPayload("missing team")
    return team, _required(user, "id")


def actor(team_id: str, user_id: str, profile: Profile, fallback_name: str = "") -> Actor:
    """The neutral actor, with what Slack's profile says about the person."""
    return Actor(
        UserRef(Platform.SLACK, team_id, user_id),
        profile.display_name or fallback_name,
        profile.locale,
        profile.timezone,
    )


def trigger_event_id(trigger_id: str | None) -> str | None:
    """A dedup id for an interaction: Slack redelivers the same payload with the same trigger."""
    return f"trigger:{trigger_id}" if trigger_id else None


# --- slash commands ------------------------------------------------------------------


def command_origin(body: Mapping[str, Any]) -> Origin:
    """Where ``/mentoring …`` was typed."""
    team, user = requester(body)
    channel = _str(body, "channel_id")
    return Origin(
        kind="command",
        team_id=team,
        user_id=user,
        channel_id=channel or None,
        channel_kind=channel_kind(channel, _str(body, "channel_name")),
        trigger_id=_str(body, "trigger_id") or None,
        response_url=_str(body, "response_url") or None,
    )


def command_event(body: Mapping[str, Any], origin: Origin, profile: Profile) -> Command:
    """``/mentoring <text>`` as a neutral command."""
    return Command(
        actor(origin.team_id, origin.user_id, profile, _str(body, "user_name")),
        origin.conversation,
        _str(body, "text"),
        trigger_event_id(origin.trigger_id),
    )


# --- block_actions ---------------------------------------------------------------------


def _action_value(action: Mapping[str, Any]) -> str:
    """The value a click or a choice carries, whatever the element."""
    if isinstance(action.get("value"), str):
        return str(action["value"])
    selected = action.get("selected_option")
    if isinstance(selected, Mapping):
        return _str(selected, "value")
    many = action.get("selected_options")
    if isinstance(many, list):
        return ",".join(_str(o, "value") for o in many if isinstance(o, Mapping))
    for key in ("selected_user", "selected_channel", "selected_conversation", "selected_date"):
        if isinstance(action.get(key), str):
            return str(action[key])
    return ""


def action_origin(body: Mapping[str, Any]) -> Origin:
    """Where a button or a select was clicked: a message, a modal or the App Home."""
    team, user = requester(body)
    container = _mapping(body, "container")
    view = _mapping(body, "view")
    meta = decode_metadata(_str(view, "private_metadata")) if view else FormMetadata()
    channel = _str(_mapping(body, "channel"), "id") or _str(container, "channel_id")
    name = _str(_mapping(body, "channel"), "name")
    message = _mapping(body, "message")
    is_ephemeral = bool(container.get("is_ephemeral"))
    kind = channel_kind(channel, name) if channel else meta.channel_kind
    return Origin(
        kind="action",
        team_id=team,
        user_id=user,
        channel_id=channel or meta.channel_id,
        channel_kind=kind,
        thread_ts=_str(message, "thread_ts") or None,
        trigger_id=_str(body, "trigger_id") or None,
        response_url=_str(body, "response_url") or meta.response_url,
        message_ts=_str(container, "message_ts") or _str(message, "ts") or None,
        message_is_ephemeral=is_ephemeral,
        view_id=_str(view, "id") or None,
        view_type=_str(view, "type") or None,
        metadata=meta,
        # A bot message that is not ephemeral, in a DM, can only be in the bot's own DM.
        bot_dm=bool(channel) and kind == "dm" and not is_ephemeral,
    )


def action_event(body: Mapping[str, Any], origin: Origin, profile: Profile) -> Action:
    """The first action of a ``block_actions`` payload (Slack sends one per click)."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        raise MalformedPayload("no action")
    action = actions[0]
    action_id = neutral_action_id(_required(action, "action_id"))
    ref = None
    if origin.message_ts and origin.channel_id:
        ref = MessageRef(origin.conversation, origin.message_ts)
    name = _str(_mapping(body, "user"), "name")
    # Slack does not retry clicks, but people double-click: the engine answers one click
    # of a button per time bucket and records the nearest neighbouring bucket too.
    own, neighbour = click_keys(body)
    return Action(
        actor(origin.team_id, origin.user_id, profile, name),
        origin.conversation,
        action_id,
        _action_value(action),
        ref,
        own,
        neighbour,
    )


def click_keys(body: Mapping[str, Any], window: float = CLICK_WINDOW_S) -> tuple[str, str]:
    """Two dedup keys for a click: its time bucket, and the neighbouring bucket nearest to it.

    A click is a double click when its own key is already taken: clicks on the
    same button less than ``window / 2`` apart always collide, clicks more than
    ``2 * window`` apart never do.
    """
    origin = action_origin(body)
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else {}
    if not isinstance(action, Mapping):
        raise MalformedPayload("no action")
    try:
        at = float(_str(action, "action_ts") or "0")
    except ValueError:
        at = 0.0
    where = origin.message_ts or origin.view_id or ""
    what = f"{_str(action, 'block_id')}/{_str(action, 'action_id')}/{_action_value(action)}"
    digest = hashlib.sha256(f"{origin.team_id}/{origin.user_id}/{where}/{what}".encode())
    base = f"click:{digest.hexdigest()[:40]}"
    bucket = int(at // window)
    neighbour = bucket + 1 if at - bucket * window >= window / 2 else bucket - 1
    return f"{base}:{bucket}", f"{base}:{neighbour}"


# --- view_submission -------------------------------------------------------------------


def _element_value(element: Mapping[str, Any]) -> str | list[str]:
    """One input's value from ``view.state.values``."""
    kind = _str(element, "type")
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        options = element.get("selected_options")
        if not isinstance(options, list):
            return []
        return [_str(o, "value") for o in options if isinstance(o, Mapping)]
    if kind in ("multi_users_select", "multi_conversations_select", "multi_channels_select"):
        for key in ("selected_users", "selected_conversations", "selected_channels"):
            if isinstance(element.get(key), list):
                return [str(v) for v in element[key]]
        return []
    selected = element.get("selected_option")
    if isinstance(selected, Mapping):
        return _str(selected, "value")
    for key in ("value", "selected_date", "selected_time", "selected_user", "selected_channel"):
        if isinstance(element.get(key), str):
            return str(element[key])
    return ""


def form_values(state: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Field values from ``view.state``: the block id is the field name."""
    values = state.get("values")
    if not isinstance(values, Mapping):
        return {}
    found: dict[str, str | list[str]] = {}
    for block_id, actions in values.items():
        if not isinstance(actions, Mapping):
            continue
        for element in actions.values():
            if isinstance(element, Mapping):
                found[str(block_id)] = _element_value(element)
                break
    return found


def encode_metadata(meta: FormMetadata) -> str:
    """``private_metadata`` for a modal; the ``response_url`` is dropped when space runs out."""
    data: dict[str, str] = {"s": meta.state}
    if meta.channel_id:
        data["c"] = meta.channel_id
        data["k"] = meta.channel_kind
    if meta.response_url:
        data["r"] = meta.response_url
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > METADATA_LIMIT and "r" in data:
        del data["r"]
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > METADATA_LIMIT:
        raise ValueError("form state too long for a Slack modal")
    return text


def decode_metadata(text: str) -> FormMetadata:
    """What ``encode_metadata`` wrote; anything else is taken as a bare form state."""
    if not text:
        return FormMetadata()
    try:
        data = json.loads(text)
    except ValueError:
        return FormMetadata(state=text)
    if not isinstance(data, dict):
        return FormMetadata(state=text)
    kind = data.get("k")
    return FormMetadata(
        state=str(data.get("s", "")),
        channel_id=str(data["c"]) if data.get("c") else None,
        channel_kind=kind if kind in ("dm", "group", "channel") else "channel",
        response_url=str(data["r"]) if data.get("r") else None,
    )


def view_origin(body: Mapping[str, Any]) -> Origin:
    """A submitted modal, and where it was opened from."""
    team, user = requester(body)
    view = _mapping(body, "view")
    if not view:
        raise MalformedPayload("missing view")
    meta = decode_metadata(_str(view, "private_metadata"))
    return Origin(
        kind="view",
        team_id=team,
        user_id=user,
        channel_id=meta.channel_id,
        channel_kind=meta.channel_kind,
        trigger_id=_str(body, "trigger_id") or None,
        response_url=meta.response_url,
        view_id=_str(view, "id") or None,
        view_type=_str(view, "type") or "modal",
        metadata=meta,
    )


def submission_event(body: Mapping[str, Any], origin: Origin, profile: Profile) -> FormSubmission:
    """A submitted modal as a neutral form submission (``callback_id`` is the form id)."""
    view = _mapping(body, "view")
    name = _str(_mapping(body, "user"), "name")
    return FormSubmission(
        actor(origin.team_id, origin.user_id, profile, name),
        origin.conversation,
        _required(view, "callback_id"),
        form_values(_mapping(view, "state")),
        origin.metadata.state,
        trigger_event_id(origin.trigger_id),
    )


# --- Events API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRequest:
    """An Events API event worth handling: who, where, and the text (for messages)."""

    type: str
    origin: Origin
    text: str = ""
    event_id: str | None = None


def event_request(envelope: Mapping[str, Any], bot_user_id: str | None) -> EventRequest | None:
    """The event to handle, or None for events the bot ignores (its own, other bots, edits)."""
    event = _mapping(envelope, "event")
    kind = _str(event, "type")
    if not kind:
        raise MalformedPayload("missing event type")
    event_id = _str(envelope, "event_id") or None
    team = _str(event, "user_team") or _str(event, "team") or _str(envelope, "team_id")
    if not team:
        raise MalformedPayload("missing team")
    user = _str(event, "user")
    if kind in ("message", "app_mention"):
        if event.get("bot_id") or _str(event, "subtype") not in _PERSON_SUBTYPES:
            return None
        if not user or user == bot_user_id:
            return None
        channel = _required(event, "channel")
        text = _str(event, "text")
        if kind == "message" and _str(event, "channel_type") != "im":
            return None  # the bot only reads its own DMs; channels reach it by @mention
        thread = _str(event, "thread_ts") or None
        origin = Origin(
            kind="event",
            team_id=team,
            user_id=user,
            channel_id=channel,
            channel_kind="dm" if kind == "message" else channel_kind(channel),
            thread_ts=thread,
            bot_dm=kind == "message",
        )
        return EventRequest(kind, origin, text, event_id)
    if kind == "app_home_opened":
        if _str(event, "tab") != "home" or not user:
            return None
        channel = _str(event, "channel")
        origin = Origin(
            kind="event",
            team_id=team,
            user_id=user,
            channel_id=channel or None,
            channel_kind="dm",
            bot_dm=bool(channel),
        )
        return EventRequest(kind, origin, event_id=event_id)
    if kind == "member_joined_channel":
        # The bot itself joining a channel: greet whoever invited it.
        joined = _str(event, "inviter") if user and user == bot_user_id else user
        if not joined:
            return None
        channel = _required(event, "channel")
        origin = Origin(
            kind="event",
            team_id=team,
            user_id=joined,
            channel_id=channel,
            channel_kind=channel_kind(channel),
        )
        return EventRequest(kind, origin, event_id=event_id)
    return None


def event_from_request(request: EventRequest, profile: Profile) -> Event:
    """The neutral event for an Events API event worth handling."""
    origin = request.origin
    who = actor(origin.team_id, origin.user_id, profile)
    where = origin.conversation
    match request.type:
        case "app_home_opened":
            return HomeOpened(who, where, request.event_id)
        case "member_joined_channel":
            return MemberJoined(who, where, request.event_id)
        case "app_mention":
            text = _MENTION.sub("", request.text).strip()
            return Command(who, where, text, request.event_id)
    text = request.text.strip()
    if _COMMAND_WORD.match(text):
        return Command(who, where, text, request.event_id)
    return PlainMessage(who, where, text, request.event_id)
