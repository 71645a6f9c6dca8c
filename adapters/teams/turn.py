"""The engine's answer to one Teams activity, carried out: a dispatch table of intents.

* ``Reply`` answers in the same conversation; ``replace`` updates the card whose button was
  pressed (the activity's ``replyToId``). Teams has no ephemeral messages, so a private reply
  to something said in a channel or group chat goes to the person's 1:1 chat, and the channel
  gets one short line saying so.
* ``OpenForm`` sends the form as a card in the 1:1 chat; the next step of a dialogue replaces
  the card that was submitted. ``FormErrors`` redraws the submitted card with the errors.
  ``CloseForm`` turns the submitted card into a short "received" line.
* ``PostMessage`` / ``UpdateMessage`` post or update anywhere the bot can; ``PublishHome`` does
  nothing (Teams bots have no home view).

Sending is retried a little inside the turn (Teams waits about 15 seconds for the answer):
429 after its ``Retry-After`` when short, 412/5xx with a jittered backoff. What still fails is
logged and the rest of the answer goes on.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from adapters.teams.cards import form_activity, message_activity, notice_activity
from adapters.teams.connector import BotConnector
from adapters.teams.markdown import to_teams
from adapters.teams.sender import TeamsSender
from adapters.teams.translate import ActivityInfo
from bot.core.i18n import Translator
from bot.core.model import (
    Action,
    CloseForm,
    Event,
    FormErrors,
    FormSubmission,
    Intent,
    OpenForm,
    Platform,
    PostMessage,
    PublishHome,
    Reply,
    SendDirect,
    UpdateMessage,
)
from bot.outbox.delivery import DeliveryError, RateLimited, TransientError, Unreachable

log = logging.getLogger(__name__)

JSON = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]

ATTEMPTS = 3
#: Longest wait inside a turn; a longer Retry-After gives up (Teams would time the turn out).
MAX_WAIT = 4.0
BACKOFF = 0.5


@dataclass
class Turn:
    """One inbound activity being answered."""

    info: ActivityInfo
    event: Event | None
    t: Translator
    connector: BotConnector
    sender: TeamsSender
    sleep: Sleep
    told_channel: bool = False

    @property
    def service_url(self) -> str:
        """Where this conversation's Bot Connector lives."""
        return self.info.conversation.service_url or ""

    @property
    def conversation_id(self) -> str:
        """This conversation's id (a channel thread included)."""
        return self.info.conversation.channel_id

    @property
    def submitted_card(self) -> str | None:
        """The id of the card whose button was pressed, in a 1:1 chat."""
        return self.info.reply_to_id if self.info.is_personal else None


async def with_retries(call: Callable[[], Awaitable[str]], sleep: Sleep) -> str:
    """Run a connector call, retrying rate limits and transient errors a few times."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except RateLimited as exc:
            if attempt == ATTEMPTS or exc.retry_after > MAX_WAIT:
                raise
            await sleep(exc.retry_after + random.uniform(0, 0.2))
        except TransientError:
            if attempt == ATTEMPTS:
                raise
            await sleep(BACKOFF * 2 ** (attempt - 1) + random.uniform(0, BACKOFF))
    raise AssertionError("unreachable")  # pragma: no cover


async def _send_here(turn: Turn, activity: JSON) -> str:
    return await with_retries(
        lambda: turn.connector.send(turn.service_url, turn.conversation_id, activity), turn.sleep
    )


async def replace_or_send(turn: Turn, card_id: str | None, activity: JSON) -> str:
    """Update the card ``card_id`` in this conversation, or send anew when it cannot be."""
    if card_id:
        try:
            return await with_retries(
                lambda: turn.connector.update(
                    turn.service_url, turn.conversation_id, card_id, activity
                ),
                turn.sleep,
            )
        except (TransientError, RateLimited, Unreachable):
            raise
        except DeliveryError as exc:
            log.info("could not update a Teams card (%s); sending a new message", exc)
    return await _send_here(turn, activity)


async def _send_privately(turn: Turn, activity: JSON) -> None:
    """Teams has no ephemeral messages: answer in the 1:1 chat, say so once in the channel."""
    user = turn.info.actor.user
    try:
        await with_retries(lambda: turn.sender.deliver(user, activity), turn.sleep)
        note = turn.t("teams.sent_privately")
    except Unreachable:
        note = turn.t("teams.private_unreachable")
    if not turn.told_channel:
        turn.told_channel = True
        await _send_here(turn, message_activity_text(note))


def message_activity_text(text: str) -> JSON:
    """A one-paragraph markdown message (``text``: neutral markup)."""
    return {"type": "message", "textFormat": "markdown", "text": to_teams(text)}


async def _reply(turn: Turn, intent: Reply) -> None:
    activity = message_activity(intent.message, turn.t)
    if not turn.info.is_personal and intent.private:
        await _send_privately(turn, activity)
    elif intent.replace and isinstance(turn.event, Action | FormSubmission):
        # Only a card's own button may replace it (a typed quote-reply also has a replyToId).
        await replace_or_send(turn, turn.info.reply_to_id, activity)
    else:
        await _send_here(turn, activity)


async def _open_form(turn: Turn, intent: OpenForm) -> None:
    activity = form_activity(intent.form, turn.t)
    if not turn.info.is_personal:
        await _send_privately(turn, activity)
    elif isinstance(turn.event, FormSubmission):
        # The next step of a dialogue takes the place of the step just submitted.
        await replace_or_send(turn, turn.submitted_card, activity)
    else:
        await _send_here(turn, activity)


async def _form_errors(turn: Turn, intent: FormErrors) -> None:
    activity = form_activity(intent.form, turn.t, intent.errors)
    if not turn.info.is_personal:
        await _send_privately(turn, activity)
    else:
        await replace_or_send(turn, turn.submitted_card, activity)


async def _close_form(turn: Turn, _intent: CloseForm) -> None:
    if isinstance(turn.event, FormSubmission) and turn.submitted_card:
        await replace_or_send(
            turn, turn.submitted_card, notice_activity(turn.t("teams.form.closed"))
        )


async def _post(turn: Turn, intent: PostMessage) -> None:
    target = intent.conversation
    if target.platform != Platform.TEAMS:
        log.warning("ignored a post to a %s conversation from Teams", target.platform.value)
        return
    activity = message_activity(intent.message, turn.t)
    if target.channel_id == turn.conversation_id:
        await _send_here(turn, activity)
        return
    service_url = target.service_url or turn.service_url
    await with_retries(
        lambda: turn.connector.send(service_url, target.channel_id, activity), turn.sleep
    )


async def _update(turn: Turn, intent: UpdateMessage) -> None:
    target = intent.target
    if target.conversation.platform != Platform.TEAMS:
        return
    service_url = target.conversation.service_url or turn.service_url
    activity = message_activity(intent.message, turn.t)
    await with_retries(
        lambda: turn.connector.update(
            service_url, target.conversation.channel_id, target.message_id, activity
        ),
        turn.sleep,
    )


async def _nothing(_turn: Turn, _intent: Any) -> None:
    """Teams has no home view; direct messages go through the outbox, never through a turn."""


_RENDERERS: dict[type[Any], Callable[[Turn, Any], Awaitable[None]]] = {
    Reply: _reply,
    OpenForm: _open_form,
    FormErrors: _form_errors,
    CloseForm: _close_form,
    PostMessage: _post,
    UpdateMessage: _update,
    PublishHome: _nothing,
    SendDirect: _nothing,
}


async def carry_out(turn: Turn, intents: list[Intent]) -> None:
    """Carry out every intent; a failed one is logged and the others still go."""
    for intent in intents:
        render = _RENDERERS[type(intent)]
        try:
            await render(turn, intent)
        except DeliveryError as exc:
            log.warning("could not deliver a Teams %s: %s", type(intent).__name__, exc)
