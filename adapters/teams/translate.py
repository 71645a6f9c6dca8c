"""Teams activity JSON → neutral events. Pure: no SDK, no I/O, easy to test with recorded JSON.

What arrives at ``POST /api/messages``:

* ``message`` with ``text``: a command typed in the 1:1 chat (with or without a leading
  ``mentoring``), or an @mention of the bot in a channel or group chat (the mention is removed);
* ``message`` with ``value``: an Adaptive Card ``Action.Submit``; the card put the routing data
  (form id, dialogue state, action id) under :data:`META` in the submit data, next to the inputs;
* ``conversationUpdate`` with the bot in ``membersAdded``: the app was installed somewhere;
* ``installationUpdate``: the app was added to or removed from a scope.

Everything else (typing, reactions, invokes we never ask for) is ignored explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.model import (
    Action,
    Actor,
    Command,
    ConversationRef,
    Event,
    FormSubmission,
    MessageRef,
    PlainMessage,
    Platform,
    UserRef,
)

#: Key of the routing data inside ``Action.Submit`` data (never a form field name).
META = "_mentoring"
#: Input id prefix of a message ``Choice`` (a select with an OK button).
CHOICE_PREFIX = "_choice."

MAX_ID = 512
MAX_TEXT = 4000
_ACTION_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
_FIELD_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")
_AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)

Kind = Literal["dm", "group", "channel"]


class MalformedActivity(ValueError):
    """The request body is not an activity we can act on (answered with 400)."""


@dataclass(frozen=True)
class ActivityInfo:
    """What every activity we act on tells: who, where, which tenant, how to answer later."""

    activity_type: str
    activity_id: str | None
    tenant_id: str
    actor: Actor
    conversation: ConversationRef
    reply_to_id: str | None
    reference: dict[str, Any] = field(hash=False)
    conversation_type: str = "personal"

    @property
    def is_personal(self) -> bool:
        """True in the person's 1:1 chat with the bot."""
        return self.conversation.kind == "dm"


# --- what an activity means --------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """An event for the engine."""

    event: Event


@dataclass(frozen=True)
class FormCancelled:
    """The person pressed a form card's cancel button."""

    form_id: str


@dataclass(frozen=True)
class BadSubmission:
    """A card submission with missing or tampered routing data (``reason`` is for logs only)."""

    reason: str


@dataclass(frozen=True)
class BotAdded:
    """The bot was added to a conversation (``conversationUpdate``, ``membersAdded``)."""


@dataclass(frozen=True)
class InstallationChanged:
    """The app was installed (``added``) or removed in a scope (``installationUpdate``)."""

    added: bool


@dataclass(frozen=True)
class Ignored:
    """Nothing to do (``reason`` is for logs only)."""

    reason: str


Translated = Incoming | FormCancelled | BadSubmission | BotAdded | InstallationChanged | Ignored

HANDLED_TYPES = frozenset({"message", "conversationUpdate", "installationUpdate"})


# --- reading the envelope ---------------------------------------------------------------------


def _str(value: object, what: str, *, required: bool = True, limit: int = MAX_ID) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise MalformedActivity(f"{what} must be a non-empty string")
    if len(value) > limit:
        raise MalformedActivity(f"{what} is too long")
    return value


def _dict(value: object, what: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise MalformedActivity(f"{what} must be an object")
    return value


def activity_type(raw: object) -> str:
    """The activity type, or ``MalformedActivity`` when the body is not an activity at all."""
    if not isinstance(raw, dict):
        raise MalformedActivity("the body must be a JSON object")
    return _str(raw.get("type"), "type", limit=64)


def _tenant(raw: Mapping[str, Any], conversation: Mapping[str, Any]) -> str:
    channel_data = raw.get("channelData")
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
            return str(tenant["id"])[:128]
    tenant_id = conversation.get("tenantId")
    return tenant_id[:128] if isinstance(tenant_id, str) else ""


def _kind(conversation: Mapping[str, Any]) -> tuple[Kind, str]:
    conversation_type = conversation.get("conversationType")
    if conversation_type == "channel":
        return "channel", "channel"
    if conversation_type == "groupChat":
        return "group", "groupChat"
    if conversation_type == "personal" or not conversation.get("isGroup"):
        return "dm", "personal"
    return "group", "groupChat"


def _entities(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    entities = raw.get("entities")
    if entities is None:
        return []
    if not isinstance(entities, list):
        raise MalformedActivity("entities must be a list")
    return [e for e in entities if isinstance(e, dict)]


def _client_info(raw: Mapping[str, Any]) -> dict[str, Any]:
    for entity in _entities(raw):
        if entity.get("type") == "clientInfo":
            return entity
    return {}


def clean_locale(value: object) -> str | None:
    """A well-formed locale tag (``fr-FR``), or None."""
    if isinstance(value, str) and _LOCALE.match(value.strip()):
        return value.strip()
    return None


def clean_timezone(value: object) -> str | None:
    """A known IANA time zone name, or None."""
    if not isinstance(value, str) or not value or len(value) > 64 or ".." in value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def read_activity(raw: Mapping[str, Any]) -> ActivityInfo:
    """The envelope of an activity we act on; ``MalformedActivity`` when a part is missing."""
    kind_of_activity = activity_type(raw)
    service_url = _str(raw.get("serviceUrl"), "serviceUrl", limit=2048)
    if not service_url.startswith(("https://", "http://")):
        raise MalformedActivity("serviceUrl must be an http(s) URL")
    conversation = _dict(raw.get("conversation"), "conversation")
    conversation_id = _str(conversation.get("id"), "conversation.id")
    sender = _dict(raw.get("from"), "from")
    user_id = _str(sender.get("id"), "from.id")
    recipient = _dict(raw.get("recipient"), "recipient", required=False)
    bot_id = _str(recipient.get("id"), "recipient.id", required=False)
    activity_id = raw.get("id")
    if activity_id is not None:
        activity_id = _str(activity_id, "id")
    reply_to_id = raw.get("replyToId")
    reply_to_id = reply_to_id if isinstance(reply_to_id, str) and reply_to_id else None
    name = str(sender["name"]) if isinstance(sender.get("name"), str) else ""
    tenant_id = _tenant(raw, conversation)
    kind, conversation_type = _kind(conversation)
    info = _client_info(raw)
    locale = clean_locale(raw.get("locale")) or clean_locale(info.get("locale"))
    timezone = clean_timezone(info.get("timezone")) or clean_timezone(raw.get("localTimezone"))
    thread_id = (
        conversation_id.split(";messageid=", 1)[1] if ";messageid=" in conversation_id else None
    )
    ref = ConversationRef(
        platform=Platform.TEAMS,
        workspace=tenant_id,
        channel_id=conversation_id,
        kind=kind,
        thread_id=thread_id,
        service_url=service_url,
    )
    aad_object_id = sender.get("aadObjectId")
    actor = Actor(
        UserRef(Platform.TEAMS, tenant_id, user_id),
        name[:200],
        locale,
        timezone,
        directory_id=aad_object_id[:64] if isinstance(aad_object_id, str) else None,
    )
    user: dict[str, Any] = {"id": user_id}
    if name:
        user["name"] = name[:200]
    if isinstance(sender.get("aadObjectId"), str):
        user["aadObjectId"] = sender["aadObjectId"][:64]
    reference: dict[str, Any] = {
        "channelId": raw.get("channelId") if isinstance(raw.get("channelId"), str) else "msteams",
        "serviceUrl": service_url,
        "tenantId": tenant_id,
        "user": user,
        "bot": {"id": bot_id} if bot_id else {},
        "conversation": {
            "id": conversation_id,
            "conversationType": conversation_type,
            "tenantId": tenant_id,
            "isGroup": kind != "dm",
        },
    }
    return ActivityInfo(
        activity_type=kind_of_activity,
        activity_id=activity_id,
        tenant_id=tenant_id,
        actor=actor,
        conversation=ref,
        reply_to_id=reply_to_id,
        reference=reference,
        conversation_type=conversation_type,
    )


# --- what it means ---------------------------------------------------------------------------


def strip_bot_mention(text: str, entities: list[dict[str, Any]], bot_id: str) -> str:
    """Remove the bot's @mention; other mentions keep the person's name as plain text."""
    for entity in entities:
        mentioned = entity.get("mentioned")
        if entity.get("type") != "mention" or not isinstance(mentioned, dict):
            continue
        tag = entity.get("text")
        if mentioned.get("id") == bot_id and isinstance(tag, str) and tag:
            text = text.replace(tag, " ")
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    return " ".join(text.replace("\xa0", " ").split())


def _starts_with_mentoring(text: str) -> bool:
    first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    return first.lstrip("/") == "mentoring"


def _text_event(info: ActivityInfo, text: str, looks_like_command: Callable[[str], bool]) -> Event:
    if info.is_personal and text and not _starts_with_mentoring(text):
        first = text.split(maxsplit=1)[0]
        if not looks_like_command(first):
            return PlainMessage(info.actor, info.conversation, text, info.activity_id)
    return Command(info.actor, info.conversation, text, info.activity_id)


def _field_value(value: object) -> str | list[str] | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v)[:MAX_TEXT] for v in value][:200]
    return None


def _form_values(value: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, str | list[str]]:
    multi: list[Any] = meta["multi"] if isinstance(meta.get("multi"), list) else []
    maps: dict[str, Any] = meta["maps"] if isinstance(meta.get("maps"), dict) else {}
    values: dict[str, str | list[str]] = {}
    for name, raw in value.items():
        if name == META or not isinstance(name, str) or not _FIELD_NAME.match(name):
            continue
        if name.startswith(CHOICE_PREFIX):
            continue
        cleaned = _field_value(raw)
        if cleaned is None:
            continue
        if name in multi or name in maps:
            items = cleaned if isinstance(cleaned, list) else cleaned.split(",")
            items = [i.strip() for i in items if i.strip()]
            mapping = maps.get(name)
            if isinstance(mapping, list):
                # Choice values with commas travel as indices (see cards.py); "?" is never offered.
                items = [
                    str(mapping[int(i)]) if i.isdigit() and int(i) < len(mapping) else "?"
                    for i in items
                ]
            values[name] = items if name in multi else (items[0] if items else "")
        else:
            values[name] = cleaned
    return values


def _submission(info: ActivityInfo, value: Mapping[str, Any]) -> Translated:
    meta = value.get(META)
    if not isinstance(meta, dict):
        return BadSubmission("no routing data")
    kind = meta.get("type")
    message = MessageRef(info.conversation, info.reply_to_id) if info.reply_to_id else None
    if kind == "action":
        action_id = meta.get("action")
        raw_value = meta.get("value", "")
        if not isinstance(action_id, str) or not _ACTION_ID.match(action_id):
            return BadSubmission("bad action id")
        if not isinstance(raw_value, str) or len(raw_value) > MAX_TEXT:
            return BadSubmission("bad action value")
        event: Event = Action(
            info.actor, info.conversation, action_id, raw_value, message, info.activity_id
        )
        return Incoming(event)
    if kind == "choice":
        action_id = meta.get("action")
        if not isinstance(action_id, str) or not _ACTION_ID.match(action_id):
            return BadSubmission("bad choice id")
        chosen = value.get(CHOICE_PREFIX + action_id)
        if not isinstance(chosen, str) or not chosen or len(chosen) > MAX_TEXT:
            return BadSubmission("no choice made")
        return Incoming(
            Action(info.actor, info.conversation, action_id, chosen, message, info.activity_id)
        )
    if kind in ("form", "cancel"):
        form_id = meta.get("form")
        if not isinstance(form_id, str) or not _ACTION_ID.match(form_id):
            return BadSubmission("bad form id")
        if kind == "cancel":
            return FormCancelled(form_id)
        state = meta.get("state", "")
        if not isinstance(state, str) or len(state) > 2000:
            return BadSubmission("bad form state")
        values = _form_values(value, meta)
        return Incoming(
            FormSubmission(info.actor, info.conversation, form_id, values, state, info.activity_id)
        )
    return BadSubmission("unknown submission type")


def translate(
    raw: Mapping[str, Any],
    info: ActivityInfo,
    looks_like_command: Callable[[str], bool] = lambda _word: True,
) -> Translated:
    """What an activity means for the bot.

    ``looks_like_command(word)`` tells whether a first word typed in the 1:1 chat is (close
    to) a command: if not, the text goes to the engine as free text, which answers with a hint.
    """
    kind = info.activity_type
    if kind == "message":
        text = raw.get("text")
        value = raw.get("value")
        if text is not None and not isinstance(text, str):
            raise MalformedActivity("text must be a string")
        if value is not None and not isinstance(value, dict):
            return BadSubmission("value is not an object")
        bot_id = info.reference["bot"].get("id", "")
        cleaned = strip_bot_mention(text or "", _entities(raw), bot_id)[:MAX_TEXT]
        if isinstance(value, dict) and (META in value or not cleaned):
            return _submission(info, value)
        return Incoming(_text_event(info, cleaned, looks_like_command))
    if kind == "conversationUpdate":
        added = raw.get("membersAdded")
        bot_id = info.reference["bot"].get("id")
        if isinstance(added, list) and any(
            isinstance(m, dict) and m.get("id") == bot_id for m in added
        ):
            return BotAdded()
        return Ignored("conversation update without the bot joining")
    if kind == "installationUpdate":
        action = raw.get("action")
        # "remove-upgrade" and "add-upgrade" are version changes: the bot stays installed.
        if action == "remove":
            return InstallationChanged(added=False)
        return InstallationChanged(added=True)
    return Ignored(f"{kind} activities are not used")
