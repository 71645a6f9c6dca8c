"""``SlackSender``: how the outbox worker reaches people on Slack.

DM channel ids are opened once with ``conversations.open`` and cached in the
database (``channel_ref``). Failures come out as ``bot.delivery``'s typed
errors; ``send_direct`` and ``send_group`` return ``"<channel>:<ts>"``.
"""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.webapi import api, post_message
from bot.core.capabilities import Capabilities, PlatformLimits, Rate
from bot.core.i18n import translator
from bot.core.model import ConversationRef, Message, Platform, UserRef
from bot.outbox.delivery import (
    DeliveryError,
    GroupUnsupported,
    PermanentError,
    RateLimited,
    TransientError,
    Unreachable,
)
from storage.db import Database
from storage.dm_channels import cached_dm_channel, forget_dm_channel, remember_dm_channel
from storage.people import find_person

log = logging.getLogger(__name__)

# A cached DM id that Slack does not know any more is opened again once.
_STALE_CHANNEL = frozenset({"channel_not_found", "is_archived", "not_in_channel"})


def message_id(channel: str, ts: str) -> str:
    """The platform message id the sender returns: ``"<channel>:<ts>"``."""
    return f"{channel}:{ts}"


def split_message_id(value: str, channel: str | None = None) -> tuple[str, str]:
    """(channel, ts) from ``"<channel>:<ts>"``, or from a bare ts and a known channel."""
    head, sep, tail = value.partition(":")
    if sep:
        return head, tail
    if channel is None:
        raise ValueError("a bare Slack ts needs its channel")
    return channel, value


# chat.postMessage allows about 1 message per second per channel, plus a workspace-wide
# limit that Slack does not publish ("several hundred per minute"); 10/s stays well inside.
SLACK_LIMITS = PlatformLimits(workspace=(Rate(10.0, 5.0),), conversation=(Rate(1.0, 1.0),))
# Slack opens group DMs (conversations.open with several users) in one workspace.
SLACK_CAPABILITIES = Capabilities(group_messages=True, limits=SLACK_LIMITS)


class SlackSender:
    """Sends proactive messages (intros, check-ins, nudges) to Slack."""

    platform = Platform.SLACK
    capabilities = SLACK_CAPABILITIES

    def __init__(
        self,
        client: AsyncWebClient,
        db: Database,
        team_id: str | None = None,
        *,
        default_locale: str = "en",
    ) -> None:
        self.client = client
        self.db = db
        self.team_id = team_id
        self.default_locale = default_locale

    def _check_workspace(self, user: UserRef) -> None:
        if user.platform != Platform.SLACK:
            raise PermanentError(f"not a Slack user ({user.platform.value})")
        if self.team_id and user.workspace != self.team_id:
            raise Unreachable("the person is in another Slack workspace")

    async def _cut_note(self, user: UserRef | None) -> str:
        locale = None
        if user is not None:
            async with self.db.session() as session:
                person = await find_person(
                    session, Platform.SLACK.value, user.workspace, user.user_id
                )
                locale = person.locale if person else None
        return translator(locale, self.default_locale)("slack.cut")

    async def dm_channel(self, user: UserRef, *, refresh: bool = False) -> str:
        """The bot's DM channel with this person: from the cache, else ``conversations.open``."""
        self._check_workspace(user)
        platform = Platform.SLACK.value
        if not refresh:
            async with self.db.session() as session:
                cached = await cached_dm_channel(session, platform, user.workspace, user.user_id)
            if cached:
                return cached
        response = await api(self.client.conversations_open(users=user.user_id))
        channel = str((response.get("channel") or {}).get("id") or "")
        if not channel:
            raise TransientError("conversations.open gave no channel")
        async with self.db.session() as session:
            await remember_dm_channel(session, platform, user.workspace, user.user_id, channel)
        return channel

    async def send_direct(self, user: UserRef, message: Message) -> str:
        """A DM to one person, in the channel remembered for them or, the first time, by user id.

        ``chat.postMessage`` with a user id as ``channel`` posts in the app's DM with that
        person and answers with the DM's channel id, which is remembered: a first contact
        costs no ``conversations.open`` (Tier 3, about 50 a minute), so a first check-in
        round runs at the message caps, not at that method's. A stale remembered channel is
        forgotten and the message goes by user id once more.
        """
        self._check_workspace(user)
        note = await self._cut_note(user)
        platform = Platform.SLACK.value
        async with self.db.session() as session:
            cached = await cached_dm_channel(session, platform, user.workspace, user.user_id)
        if cached:
            try:
                return message_id(*await post_message(self.client, cached, message, note))
            except PermanentError as exc:
                if str(exc) not in _STALE_CHANNEL:
                    raise
                log.info("the remembered Slack DM channel is stale; writing by user id")
                async with self.db.session() as session:
                    await forget_dm_channel(session, platform, user.workspace, user.user_id)
        try:
            channel, ts = await post_message(self.client, user.user_id, message, note)
        except PermanentError as exc:
            if str(exc) in _STALE_CHANNEL:  # no DM with this person can exist (gone, disabled)
                raise Unreachable(str(exc)) from exc
            raise
        if channel and channel != user.user_id:
            async with self.db.session() as session:
                await remember_dm_channel(session, platform, user.workspace, user.user_id, channel)
        return message_id(channel, ts)

    async def send_group(self, users: list[UserRef], message: Message) -> str:
        """One message to a group DM of these people (``conversations.open`` with all of them).

        ``GroupUnsupported`` when the group cannot be opened (other workspaces,
        too many people, someone gone): the caller then writes to each person.
        """
        if not users:
            raise GroupUnsupported("no one to write to")
        try:
            for user in users:
                self._check_workspace(user)
        except DeliveryError as exc:
            raise GroupUnsupported(str(exc)) from exc
        if len({u.workspace for u in users}) > 1:
            raise GroupUnsupported("the people are in different workspaces")
        try:
            response = await api(
                self.client.conversations_open(users=",".join(u.user_id for u in users))
            )
        except (RateLimited, TransientError):
            raise
        except DeliveryError as exc:
            raise GroupUnsupported(str(exc)) from exc
        channel = str((response.get("channel") or {}).get("id") or "")
        if not channel:
            raise GroupUnsupported("conversations.open gave no channel")
        posted = await post_message(self.client, channel, message, await self._cut_note(users[0]))
        return message_id(*posted)

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        """A message in a known channel (in its thread when it has one)."""
        if self.team_id and conversation.workspace != self.team_id:
            raise Unreachable("the channel is in another Slack workspace")
        note = translator(None, self.default_locale)("slack.cut")
        posted = await post_message(
            self.client, conversation.channel_id, message, note, thread_ts=conversation.thread_id
        )
        return message_id(*posted)
