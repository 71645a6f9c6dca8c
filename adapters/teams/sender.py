"""Proactive Teams messages (the outbox worker's ``Sender``), from stored conversation references.

A person's 1:1 conversation reference is stored whenever they talk to the bot or install it.
Without one, the 1:1 conversation is created from their user id and tenant id (Teams answers
with the same conversation every time). A 403 (bot blocked or uninstalled) marks the person
unreachable, so the worker stops trying; the next message they send makes them reachable again.
A Teams bot cannot create group chats: ``send_group`` raises ``GroupUnsupported`` and the
caller sends one direct message to each person instead.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from adapters.settings import Settings
from adapters.teams.cards import message_activity
from adapters.teams.connector import PUBLIC_SERVICE_URL, BotConnector, ConversationNotFound
from adapters.teams.markdown import mentioned_ids, name_mentions
from adapters.teams.ratelimit import TEAMS_OUTBOX_LIMITS
from bot.core.capabilities import Capabilities
from bot.core.i18n import translator
from bot.core.model import (
    ConversationRef,
    Element,
    Fields,
    Heading,
    Message,
    Note,
    Platform,
    Text,
    UserRef,
)
from bot.outbox.delivery import GroupUnsupported, Unreachable
from storage.conversation_refs import (
    find_reference,
    forget_conversation,
    reference_in_workspace,
    save_reference,
    set_reachable,
)
from storage.db import Database
from storage.people import find_person, people_with_user_ids

log = logging.getLogger(__name__)

JSON = dict[str, Any]


@dataclass(frozen=True)
class _Target:
    person_id: int | None
    locale: str | None
    service_url: str
    conversation_id: str
    bot_id: str
    reference: JSON


def personal_reference(seed: JSON, conversation_id: str, tenant_id: str) -> JSON:
    """A stored seed completed with the 1:1 conversation Teams gave us."""
    return {
        **seed,
        "conversation": {
            "id": conversation_id,
            "conversationType": "personal",
            "tenantId": tenant_id,
            "isGroup": False,
        },
    }


def _texts(element: Element) -> list[str]:
    match element:
        case Text(text=text) | Heading(text=text) | Note(text=text):
            return [text]
        case Fields(items=items):
            return [value for _label, value in items]
    return []


def _with_names(element: Element, names: dict[str, str]) -> Element:
    match element:
        case Text() | Heading() | Note():
            return dataclasses.replace(element, text=name_mentions(element.text, names))
        case Fields(items=items):
            return dataclasses.replace(
                element, items=tuple((k, name_mentions(v, names)) for k, v in items)
            )
    return element


# A Teams bot cannot open a group chat: an introduction is a 1:1 to each person, which
# @mentions the partner and links to a chat with them (by sign-in name, when known).
TEAMS_CHAT_LINK = "https://teams.microsoft.com/l/chat/0/0?users={users}"
TEAMS_CAPABILITIES = Capabilities(
    mentions=True, chat_link=TEAMS_CHAT_LINK, limits=TEAMS_OUTBOX_LIMITS
)


class TeamsSender:
    """Reaches people and channels on Teams on the bot's own initiative."""

    platform = Platform.TEAMS
    capabilities = TEAMS_CAPABILITIES

    def __init__(self, db: Database, connector: BotConnector, settings: Settings) -> None:
        self.db = db
        self.connector = connector
        self.settings = settings

    def _default_bot_id(self) -> str:
        return f"28:{self.settings.microsoft_app_id or 'mentoring'}"

    async def _target(self, user: UserRef) -> _Target:
        async with self.db.session() as session:
            person = await find_person(session, Platform.TEAMS.value, user.workspace, user.user_id)
            row = None
            if person is not None and person.id is not None:
                if not person.reachable:
                    raise Unreachable("the person blocked or removed the bot")
                row = await find_reference(session, person.id)
            reference = dict(row.reference) if row is not None and row.reference else {}
            if not reference.get("serviceUrl"):
                # Someone else in the tenant tells us the regional service URL and the bot id.
                other = await reference_in_workspace(session, Platform.TEAMS.value, user.workspace)
                reference = {
                    "channelId": "msteams",
                    "serviceUrl": (other or {}).get("serviceUrl", PUBLIC_SERVICE_URL),
                    "tenantId": user.workspace,
                    "user": {"id": user.user_id},
                    "bot": (other or {}).get("bot") or {},
                }
        return _Target(
            person_id=person.id if person is not None else None,
            locale=person.locale if person is not None else None,
            service_url=str(reference["serviceUrl"]),
            conversation_id=row.channel_id if row is not None else "",
            bot_id=str((reference.get("bot") or {}).get("id") or self._default_bot_id()),
            reference=reference,
        )

    async def _open_conversation(self, user: UserRef, target: _Target) -> str:
        conversation_id = await self.connector.create_personal_conversation(
            target.service_url,
            bot_id=target.bot_id,
            user_id=user.user_id,
            tenant_id=user.workspace,
        )
        if target.person_id is not None:
            async with self.db.session() as session:
                await save_reference(
                    session,
                    target.person_id,
                    conversation_id,
                    personal_reference(target.reference, conversation_id, user.workspace),
                )
        return conversation_id

    async def _mark_unreachable(self, person_id: int | None) -> None:
        if person_id is None:
            return
        async with self.db.session() as session:
            await set_reachable(session, person_id, False)
        log.info("a Teams user blocked or removed the bot; marked unreachable")

    async def deliver(self, user: UserRef, activity: JSON) -> str:
        """Send an activity to a person's 1:1 chat with the bot; its id."""
        target = await self._target(user)
        try:
            conversation_id = target.conversation_id
            if conversation_id:
                try:
                    return await self.connector.send(target.service_url, conversation_id, activity)
                except ConversationNotFound:
                    log.info("a stored Teams conversation is gone; opening a new one")
                    if target.person_id is not None:
                        async with self.db.session() as session:
                            await forget_conversation(session, target.person_id)
            conversation_id = await self._open_conversation(user, target)
            return await self.connector.send(target.service_url, conversation_id, activity)
        except Unreachable:
            await self._mark_unreachable(target.person_id)
            raise

    async def locale_of(self, user: UserRef) -> str | None:
        """The language stored for a person, if known."""
        async with self.db.session() as session:
            person = await find_person(session, Platform.TEAMS.value, user.workspace, user.user_id)
        return person.locale if person is not None else None

    async def named(self, workspace: str, message: Message) -> Message:
        """The message with ``<@id>`` mentions completed with the people's names."""
        ids = {i for e in message.elements for text in _texts(e) for i in mentioned_ids(text)}
        if not ids:
            return message
        async with self.db.session() as session:
            people = await people_with_user_ids(session, ids)
        names = {
            p.user_id: p.display_name
            for p in people
            if p.display_name and p.platform == Platform.TEAMS.value and p.workspace == workspace
        }
        return Message(tuple(_with_names(e, names) for e in message.elements), message.text)

    async def send_direct(self, user: UserRef, message: Message) -> str:
        """A message in the person's 1:1 chat with the bot (creating the chat if needed).

        An introduction that mentions the other person (``<@id>``) @mentions them in Teams.
        """
        t = translator(await self.locale_of(user), self.settings.mentoring_default_locale)
        message = await self.named(user.workspace, message)
        return await self.deliver(user, message_activity(message, t))

    async def send_group(self, users: list[UserRef], message: Message) -> str:
        """Teams bots cannot create group chats."""
        raise GroupUnsupported("a Teams bot cannot start a group chat")

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        """A message in a known conversation (a channel, a thread or a chat)."""
        t = translator(None, self.settings.mentoring_default_locale)
        service_url = conversation.service_url or PUBLIC_SERVICE_URL
        return await self.connector.send(
            service_url, conversation.channel_id, message_activity(message, t)
        )
