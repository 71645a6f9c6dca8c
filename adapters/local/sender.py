"""How the outbox worker reaches personas: a proactive message lands in their DM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from adapters.local import translate
from adapters.local.live import Hub
from bot.core.capabilities import PLAIN
from bot.core.model import ConversationRef, Message, Platform, UserRef
from bot.outbox.delivery import GroupUnsupported, PermanentError
from storage import local_chat
from storage.db import Database


class LocalSender:
    """``bot.delivery.Sender`` for the local chat: store the message, tell the pages."""

    platform = Platform.LOCAL
    capabilities = PLAIN  # one DM at a time, no mentions, no limits

    def __init__(self, db: Database, hub: Hub, now: Callable[[], datetime]) -> None:
        self.db = db
        self.hub = hub
        self.now = now

    async def send_direct(self, user: UserRef, message: Message) -> str:
        """A message in the persona's DM with the bot."""
        if user.platform != Platform.LOCAL:
            raise PermanentError("not a local-chat user")
        return await self._store(translate.dm_id(user.user_id), user.user_id, message)

    async def send_group(self, users: list[UserRef], message: Message) -> str:
        """The local chat has no group DMs: the worker sends one DM to each instead."""
        raise GroupUnsupported("the local chat has no group conversations")

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        """A message in a channel (everyone sees it) or in a DM."""
        if conversation.platform != Platform.LOCAL:
            raise PermanentError("not a local-chat conversation")
        target = conversation.channel_id
        return await self._store(target, translate.owner(target), message)

    async def _store(self, conversation: str, viewer: str | None, message: Message) -> str:
        async with self.db.session() as session:
            row = await local_chat.add_message(
                session,
                conversation=conversation,
                viewer=viewer,
                kind="bot",
                payload=translate.bot_payload(message),
                created_at=self.now(),
            )
        self.hub.publish(
            {
                "type": "message",
                "viewer": viewer,
                "conversation": translate.conversation_key(conversation),
            }
        )
        return str(row.id)
