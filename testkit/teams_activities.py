"""Builders for Microsoft Teams activities, shaped the way Teams POSTs them to a bot.

Every builder returns a plain ``dict`` (the JSON body of ``POST /api/messages``), so tests
can tweak any field before sending it to the bot, or deserialize it with
``botbuilder.schema.Activity().deserialize(...)``.

The shapes follow what the Teams channel actually sends:

* user ids look like ``29:1…`` (pairwise, per bot), bot ids like ``28:<Microsoft App ID>``;
* 1:1 conversation ids look like ``a:1…``; channel conversations ``19:…@thread.tacv2`` with a
  ``;messageid=<root id>`` suffix for a thread; group chats ``19:…@thread.v2``;
* message ids are millisecond timestamps, conversationUpdate/installationUpdate ids ``f:<guid>``;
* ``serviceUrl`` ends with a slash (``https://smba.trafficmanager.net/emea/``);
* ``channelData.tenant.id`` is always present, plus ``conversation.tenantId``;
* a ``clientInfo`` entity carries the user's locale, country, platform and IANA time zone;
* messages typed by a user usually also carry a ``text/html`` attachment with the same text.

The ids are deterministic functions of their inputs (see :func:`make_user_id` and
:func:`personal_conversation_id`), so :class:`testkit.bot_connector.FakeBotConnector` and
these builders agree on a user's 1:1 conversation id without sharing state.
"""

from __future__ import annotations

import base64
import hashlib
import html
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

JSON = dict[str, Any]

DEFAULT_BOT_APP_ID = "9f2d1c7e-5b3a-4c8e-9d61-2a7f4e0b8c15"
DEFAULT_BOT_NAME = "Mentoring"
DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/emea/"
DEFAULT_USER_NAME = "Ada Lovelace"
DEFAULT_AAD_OBJECT_ID = "6b3f1f6e-3c1d-4a9e-8f57-0c2d9a7e4b11"
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_TEAM_ID = "19:Qb7tL2yKq0cW3n5J8rXv1ZpD6mHsE4aT9uFgC0iNkYo1@thread.tacv2"
DEFAULT_CHANNEL_ID = "19:f3e1a9c0b8d74e2f9a6c5b4d3e2f1a0b@thread.tacv2"
DEFAULT_TEAM_NAME = "Engineering"
DEFAULT_TEAM_AAD_GROUP_ID = "2c1f6d3b-8e7a-4b5c-9d0e-1f2a3b4c5d6e"

_COUNTRY_BY_LOCALE_REGION = {"GB": "GB", "US": "US", "FR": "FR", "DE": "DE", "ES": "ES"}

_last_message_id = [0]


def _b64_token(*parts: str, length: int) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    digest += hashlib.sha256(digest).digest()
    token = (
        base64.urlsafe_b64encode(digest).decode().rstrip("=").replace("-", "R").replace("_", "t")
    )
    return token[:length]


def make_user_id(seed: str) -> str:
    """Return a Teams-style pairwise user id (``29:1…``) derived deterministically from ``seed``."""
    return "29:1" + _b64_token("user", seed, length=71)


def bot_account_id(bot_app_id: str = DEFAULT_BOT_APP_ID) -> str:
    """Return the channel account id Teams uses for a bot: ``28:<Microsoft App ID>``."""
    return f"28:{bot_app_id}"


def personal_conversation_id(user_id: str, bot_app_id: str = DEFAULT_BOT_APP_ID) -> str:
    """Return the stable 1:1 conversation id (``a:1…``) between ``user_id`` and the bot."""
    return "a:1" + _b64_token("personal", user_id, bot_app_id, length=110)


def channel_thread_id(channel_id: str, root_message_id: str) -> str:
    """Return the conversation id of a thread in a channel: ``<channel>;messageid=<root>``."""
    return f"{channel_id};messageid={root_message_id}"


def new_message_id(now: datetime | None = None) -> str:
    """Return a Teams-style message id: a millisecond Unix timestamp, unique per process.

    Ids are strictly increasing, so two messages built in the same millisecond still differ.
    """
    millis = int((now or datetime.now(UTC)).timestamp() * 1000)
    millis = max(millis, _last_message_id[0] + 1)
    _last_message_id[0] = millis
    return str(millis)


def _event_id() -> str:
    return f"f:{uuid.uuid4()}"


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def _iso_local(moment: datetime, timezone: str) -> str:
    try:
        local = moment.astimezone(ZoneInfo(timezone))
    except ZoneInfoNotFoundError:
        local = moment.astimezone(UTC)
    offset = local.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    stamp = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}"
    return f"{stamp}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def client_info_entity(locale: str = "en-US", timezone: str = DEFAULT_TIMEZONE) -> JSON:
    """Return the ``clientInfo`` entity Teams attaches to user-originated activities."""
    region = locale.split("-")[-1].upper() if "-" in locale else "US"
    return {
        "locale": locale,
        "country": _COUNTRY_BY_LOCALE_REGION.get(region, region),
        "platform": "Web",
        "timezone": timezone,
        "type": "clientInfo",
    }


def _common(
    *,
    activity_type: str,
    activity_id: str,
    timestamp: datetime | None,
    service_url: str,
    user_id: str,
    user_name: str | None,
    aad_object_id: str | None,
    conversation: JSON,
    bot_app_id: str,
    bot_name: str,
    tenant_id: str,
    locale: str | None,
    timezone: str,
) -> JSON:
    moment = timestamp or datetime.now(UTC)
    sender: JSON = {"id": user_id}
    if user_name is not None:
        sender["name"] = user_name
    if aad_object_id is not None:
        sender["aadObjectId"] = aad_object_id
    activity: JSON = {
        "type": activity_type,
        "id": activity_id,
        "timestamp": _iso_utc(moment),
        "localTimestamp": _iso_local(moment, timezone),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": conversation,
        "recipient": {"id": bot_account_id(bot_app_id), "name": bot_name},
        "channelData": {"tenant": {"id": tenant_id}},
    }
    if locale is not None:
        activity["entities"] = [client_info_entity(locale, timezone)]
        activity["locale"] = locale
        activity["localTimezone"] = timezone
    return activity


def _personal_conversation(conversation_id: str, tenant_id: str) -> JSON:
    return {"conversationType": "personal", "tenantId": tenant_id, "id": conversation_id}


def personal_message(
    text: str,
    user_id: str | None = None,
    aad_object_id: str | None = DEFAULT_AAD_OBJECT_ID,
    tenant_id: str = DEFAULT_TENANT_ID,
    service_url: str = DEFAULT_SERVICE_URL,
    locale: str = "en-US",
    conversation_id: str | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    user_name: str = DEFAULT_USER_NAME,
    bot_app_id: str = DEFAULT_BOT_APP_ID,
    bot_name: str = DEFAULT_BOT_NAME,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
    html_attachment: bool = True,
) -> JSON:
    """Return a message a user typed to the bot in their 1:1 (personal) chat.

    ``user_id`` defaults to :func:`make_user_id` of ``user_name``; ``conversation_id`` defaults to
    :func:`personal_conversation_id` of the user, which is what the fake connector answers for the
    same user in ``POST /v3/conversations``.
    """
    user_id = user_id or make_user_id(user_name)
    conversation_id = conversation_id or personal_conversation_id(user_id, bot_app_id)
    activity = _common(
        activity_type="message",
        activity_id=activity_id or new_message_id(timestamp),
        timestamp=timestamp,
        service_url=service_url,
        user_id=user_id,
        user_name=user_name,
        aad_object_id=aad_object_id,
        conversation=_personal_conversation(conversation_id, tenant_id),
        bot_app_id=bot_app_id,
        bot_name=bot_name,
        tenant_id=tenant_id,
        locale=locale,
        timezone=timezone,
    )
    activity["text"] = text
    activity["textFormat"] = "plain"
    if html_attachment:
        activity["attachments"] = [
            {"contentType": "text/html", "content": f"<p>{html.escape(text)}</p>"}
        ]
    return activity


def channel_mention(
    text_after_mention: str,
    bot_id: str = DEFAULT_BOT_APP_ID,
    bot_name: str = DEFAULT_BOT_NAME,
    user_id: str | None = None,
    aad_object_id: str | None = DEFAULT_AAD_OBJECT_ID,
    tenant_id: str = DEFAULT_TENANT_ID,
    service_url: str = DEFAULT_SERVICE_URL,
    locale: str = "en-US",
    *,
    timezone: str = DEFAULT_TIMEZONE,
    user_name: str = DEFAULT_USER_NAME,
    channel_id: str = DEFAULT_CHANNEL_ID,
    team_id: str = DEFAULT_TEAM_ID,
    team_name: str = DEFAULT_TEAM_NAME,
    team_aad_group_id: str = DEFAULT_TEAM_AAD_GROUP_ID,
    thread_root_id: str | None = None,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
    html_attachment: bool = True,
) -> JSON:
    """Return a channel message that @mentions the bot: ``<at>BotName</at> text_after_mention``.

    ``bot_id`` is the bot's Microsoft App ID (the mention targets ``28:<bot_id>``). A new post
    starts a thread whose conversation id is ``<channel_id>;messageid=<its own id>``; pass
    ``thread_root_id`` for a reply inside an existing thread.
    """
    user_id = user_id or make_user_id(user_name)
    message_id = activity_id or new_message_id(timestamp)
    conversation_id = channel_thread_id(channel_id, thread_root_id or message_id)
    mention_text = f"<at>{bot_name}</at>"
    activity = _common(
        activity_type="message",
        activity_id=message_id,
        timestamp=timestamp,
        service_url=service_url,
        user_id=user_id,
        user_name=user_name,
        aad_object_id=aad_object_id,
        conversation={
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": tenant_id,
            "id": conversation_id,
        },
        bot_app_id=bot_id,
        bot_name=bot_name,
        tenant_id=tenant_id,
        locale=locale,
        timezone=timezone,
    )
    activity["text"] = f"{mention_text} {text_after_mention}\n"
    activity["textFormat"] = "plain"
    activity["entities"] = [
        {
            "mentioned": {"id": bot_account_id(bot_id), "name": bot_name},
            "text": mention_text,
            "type": "mention",
        },
        *activity.get("entities", []),
    ]
    activity["channelData"] = {
        "teamsChannelId": channel_id,
        "teamsTeamId": team_id,
        "channel": {"id": channel_id},
        "team": {"id": team_id, "name": team_name, "aadGroupId": team_aad_group_id},
        "tenant": {"id": tenant_id},
    }
    if html_attachment:
        activity["attachments"] = [
            {
                "contentType": "text/html",
                "content": (
                    f'<div><div><span itemscope="" itemtype="http://schema.skype.com/Mention" '
                    f'itemid="0">{html.escape(bot_name)}</span>&nbsp;'
                    f"{html.escape(text_after_mention)}</div></div>"
                ),
            }
        ]
    if thread_root_id is not None:
        activity["replyToId"] = thread_root_id
    return activity


def group_chat_mention(
    text_after_mention: str,
    chat_id: str = "19:meeting_b2f1c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.v2",
    *,
    bot_id: str = DEFAULT_BOT_APP_ID,
    bot_name: str = DEFAULT_BOT_NAME,
    user_id: str | None = None,
    user_name: str = DEFAULT_USER_NAME,
    aad_object_id: str | None = DEFAULT_AAD_OBJECT_ID,
    tenant_id: str = DEFAULT_TENANT_ID,
    service_url: str = DEFAULT_SERVICE_URL,
    locale: str = "en-US",
    timezone: str = DEFAULT_TIMEZONE,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
) -> JSON:
    """Return a group-chat message that @mentions the bot (``conversationType: groupChat``)."""
    user_id = user_id or make_user_id(user_name)
    mention_text = f"<at>{bot_name}</at>"
    activity = _common(
        activity_type="message",
        activity_id=activity_id or new_message_id(timestamp),
        timestamp=timestamp,
        service_url=service_url,
        user_id=user_id,
        user_name=user_name,
        aad_object_id=aad_object_id,
        conversation={
            "isGroup": True,
            "conversationType": "groupChat",
            "tenantId": tenant_id,
            "id": chat_id,
        },
        bot_app_id=bot_id,
        bot_name=bot_name,
        tenant_id=tenant_id,
        locale=locale,
        timezone=timezone,
    )
    activity["text"] = f"{mention_text} {text_after_mention}"
    activity["textFormat"] = "plain"
    activity["entities"] = [
        {
            "mentioned": {"id": bot_account_id(bot_id), "name": bot_name},
            "text": mention_text,
            "type": "mention",
        },
        *activity.get("entities", []),
    ]
    return activity


def card_submit(
    value: JSON,
    reply_to_id: str | None = None,
    user_id: str | None = None,
    aad_object_id: str | None = DEFAULT_AAD_OBJECT_ID,
    tenant_id: str = DEFAULT_TENANT_ID,
    service_url: str = DEFAULT_SERVICE_URL,
    locale: str = "en-US",
    conversation_id: str | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    user_name: str = DEFAULT_USER_NAME,
    bot_app_id: str = DEFAULT_BOT_APP_ID,
    bot_name: str = DEFAULT_BOT_NAME,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
) -> JSON:
    """Return the message Teams sends when a user presses an Adaptive Card ``Action.Submit``.

    It is a ``message`` activity with no ``text``: the card inputs merged with the action's
    ``data`` arrive in ``value``, and ``replyToId`` is the id of the bot message holding the card
    (defaults to a fresh id). The conversation defaults to the user's 1:1 chat.
    """
    user_id = user_id or make_user_id(user_name)
    conversation_id = conversation_id or personal_conversation_id(user_id, bot_app_id)
    reply_to_id = reply_to_id or new_message_id(timestamp)
    if conversation_id.startswith("a:"):
        conversation: JSON = _personal_conversation(conversation_id, tenant_id)
    else:
        conversation_type = "groupChat" if "@thread.v2" in conversation_id else "channel"
        conversation = {
            "isGroup": True,
            "conversationType": conversation_type,
            "tenantId": tenant_id,
            "id": conversation_id,
        }
    activity = _common(
        activity_type="message",
        activity_id=activity_id or new_message_id(timestamp),
        timestamp=timestamp,
        service_url=service_url,
        user_id=user_id,
        user_name=user_name,
        aad_object_id=aad_object_id,
        conversation=conversation,
        bot_app_id=bot_app_id,
        bot_name=bot_name,
        tenant_id=tenant_id,
        locale=locale,
        timezone=timezone,
    )
    activity["replyToId"] = reply_to_id
    activity["value"] = dict(value)
    activity["channelData"] = {
        "tenant": {"id": tenant_id},
        "source": {"name": "message"},
        "legacy": {"replyToId": reply_to_id},
    }
    return activity


def conversation_update_members_added(
    members: list[Literal["bot", "user"]] | None = None,
    user_id: str | None = None,
    aad_object_id: str | None = DEFAULT_AAD_OBJECT_ID,
    tenant_id: str = DEFAULT_TENANT_ID,
    service_url: str = DEFAULT_SERVICE_URL,
    scope: Literal["personal", "team"] = "personal",
    *,
    user_name: str = DEFAULT_USER_NAME,
    bot_app_id: str = DEFAULT_BOT_APP_ID,
    bot_name: str = DEFAULT_BOT_NAME,
    conversation_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    team_name: str = DEFAULT_TEAM_NAME,
    team_aad_group_id: str = DEFAULT_TEAM_AAD_GROUP_ID,
    timestamp: datetime | None = None,
) -> JSON:
    """Return a ``conversationUpdate`` announcing members added.

    ``members`` lists who was added (default: the bot, i.e. an install). With
    ``scope="personal"`` it is the 1:1 install; with ``scope="team"`` it is sent to the team's
    General channel with ``channelData.eventType == "teamMemberAdded"``. ``from`` is the user who
    performed the install/add. Teams sends no locale or clientInfo on these.
    """
    members = members or ["bot"]
    user_id = user_id or make_user_id(user_name)
    added: list[JSON] = []
    for member in members:
        if member == "bot":
            added.append({"id": bot_account_id(bot_app_id)})
        else:
            entry: JSON = {"id": user_id}
            if aad_object_id is not None:
                entry["aadObjectId"] = aad_object_id
            added.append(entry)
    if scope == "personal":
        conversation = _personal_conversation(
            conversation_id or personal_conversation_id(user_id, bot_app_id), tenant_id
        )
    else:
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": tenant_id,
            "id": conversation_id or team_id,
        }
    activity = _common(
        activity_type="conversationUpdate",
        activity_id=_event_id(),
        timestamp=timestamp,
        service_url=service_url,
        user_id=user_id,
        user_name=None,
        aad_object_id=aad_object_id,
        conversation=conversation,
        bot_app_id=bot_app_id,
        bot_name=bot_name,
        tenant_id=tenant_id,
        locale=None,
        timezone=DEFAULT_TIMEZONE,
    )
    activity["membersAdded"] = added
    if scope == "team":
        activity["channelData"] = {
            "team": {"aadGroupId": team_aad_group_id, "name": team_name, "id": team_id},
            "eventType": "teamMemberAdded",
            "tenant": {"id": tenant_id},
        }
    return activity


def installation_update(
    action: Literal["add", "remove", "add-upgrade", "remove-upgrade"] = "add",
    user_id: str | None = None,
    aad_object_id: str | None = DEFAULT_AAD_OBJECT_ID,
    tenant_id: str = DEFAULT_TENANT_ID,
    service_url: str = DEFAULT_SERVICE_URL,
    scope: Literal["personal", "team"] = "personal",
    locale: str = "en-US",
    *,
    timezone: str = DEFAULT_TIMEZONE,
    user_name: str = DEFAULT_USER_NAME,
    bot_app_id: str = DEFAULT_BOT_APP_ID,
    bot_name: str = DEFAULT_BOT_NAME,
    conversation_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    team_name: str = DEFAULT_TEAM_NAME,
    team_aad_group_id: str = DEFAULT_TEAM_AAD_GROUP_ID,
    timestamp: datetime | None = None,
) -> JSON:
    """Return an ``installationUpdate`` (app installed/uninstalled/upgraded) for a scope."""
    user_id = user_id or make_user_id(user_name)
    if scope == "personal":
        conversation = _personal_conversation(
            conversation_id or personal_conversation_id(user_id, bot_app_id), tenant_id
        )
    else:
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": tenant_id,
            "id": conversation_id or team_id,
        }
    activity = _common(
        activity_type="installationUpdate",
        activity_id=_event_id(),
        timestamp=timestamp,
        service_url=service_url,
        user_id=user_id,
        user_name=None,
        aad_object_id=aad_object_id,
        conversation=conversation,
        bot_app_id=bot_app_id,
        bot_name=bot_name,
        tenant_id=tenant_id,
        locale=locale,
        timezone=timezone,
    )
    activity["action"] = action
    channel_data: JSON = {"source": {"name": "message"}, "tenant": {"id": tenant_id}}
    if scope == "team":
        channel_data["settings"] = {"selectedChannel": {"id": team_id}}
        channel_data["team"] = {"aadGroupId": team_aad_group_id, "name": team_name, "id": team_id}
    activity["channelData"] = channel_data
    return activity
