"""The engine's intents, carried back to Slack the way each kind of request allows.

A slash command answers in its HTTP ack (ephemeral or ``in_channel``), a
submitted modal with a ``response_action`` (``errors``, ``update``, ``clear``);
everything else happens after the ack: ``response_url`` posts (which replace the
clicked message when asked), ``views.open``/``views.push`` with the trigger,
``chat.postMessage``/``chat.postEphemeral``, ``chat.update``, ``views.publish``,
chart uploads. When a way fails, a private answer falls back to a DM.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import (
    data_images,
    errors_response,
    home_view,
    message_payloads,
    modal_view,
    notice_view,
)
from adapters.slack.sender import SlackSender, split_message_id
from adapters.slack.translate import FormMetadata, Origin, encode_metadata
from adapters.slack.webapi import (
    api,
    post_ephemeral,
    post_message,
    update_message,
    upload_images,
)
from bot.core.i18n import Translator
from bot.core.model import (
    CloseForm,
    Form,
    FormErrors,
    Intent,
    Message,
    OpenForm,
    PostMessage,
    PublishHome,
    Reply,
    SendDirect,
    Text,
    UpdateMessage,
)
from bot.core.plaintext import form_text
from bot.outbox.delivery import DeliveryError

log = logging.getLogger(__name__)

Later = Callable[[], Awaitable[None]]


@dataclass
class Outcome:
    """The engine's answer to one request, and the person's language for the adapter's words."""

    intents: list[Intent]
    t: Translator


@dataclass
class Answer:
    """What goes in the HTTP ack, and what is done right after it."""

    ack: dict[str, Any] | None = None
    later: list[Later] = field(default_factory=list)

    async def run_later(self) -> None:
        """Do what comes after the ack, in order."""
        for step in self.later:
            await step()


def _note(t: Translator) -> str:
    return t("slack.cut")


def _text(text: str) -> Message:
    return Message((Text(text),), text=text)


class Responder:
    """Executes intents for one origin: a command, a click, a submitted modal or an event."""

    def __init__(
        self,
        client: AsyncWebClient,
        sender: SlackSender,
        http: Callable[[], aiohttp.ClientSession],
    ) -> None:
        self.client = client
        self.sender = sender
        self._http = http

    # --- planning the ack ---------------------------------------------------------------

    def plan_command(self, outcome: Outcome, origin: Origin) -> Answer:
        """The first reply goes in the ack; the rest follows via ``response_url`` and the API."""
        answer = Answer()
        rest: list[Intent] = []
        for intent in outcome.intents:
            if answer.ack is None and isinstance(intent, Reply):
                payloads = message_payloads(intent.message, _note(outcome.t))
                response_type = "ephemeral" if intent.private else "in_channel"
                answer.ack = {**payloads[0], "response_type": response_type}
                if len(payloads) > 1 or data_images(intent.message):
                    answer.later.append(self._continue(intent, payloads[1:], origin))
            else:
                rest.append(intent)
        if rest:
            answer.later.append(lambda: self.deliver(rest, origin, outcome.t))
        return answer

    def plan_submission(self, outcome: Outcome, origin: Origin) -> Answer:
        """The first form intent becomes the ``response_action``; replies follow after the ack."""
        t = outcome.t
        answer = Answer()
        rest: list[Intent] = []
        for intent in outcome.intents:
            if answer.ack is None and isinstance(intent, FormErrors):
                answer.ack = errors_response(intent) or {
                    "response_action": "update",
                    "view": self.modal(intent.form, origin, t),
                }
            elif answer.ack is None and isinstance(intent, OpenForm):
                answer.ack = {
                    "response_action": "update",
                    "view": self.modal(intent.form, origin, t),
                }
            elif answer.ack is None and isinstance(intent, CloseForm):
                answer.ack = {"response_action": "clear"}
            else:
                rest.append(intent)
        if rest:
            answer.later.append(lambda: self.deliver(rest, origin, t))
        return answer

    def modal(self, form: Form, origin: Origin, t: Translator) -> dict[str, Any]:
        """The modal for a form, remembering where it was opened from."""
        meta = FormMetadata(
            state=form.state,
            channel_id=origin.channel_id,
            channel_kind=origin.channel_kind,
            response_url=origin.response_url,
        )
        return modal_view(form, encode_metadata(meta), _note(t))

    def _continue(self, reply: Reply, payloads: list[dict[str, Any]], origin: Origin) -> Later:
        async def more() -> None:
            response_type = "ephemeral" if reply.private else "in_channel"
            for payload in payloads:
                if origin.response_url:
                    await self._post_response(
                        origin.response_url, {**payload, "response_type": response_type}
                    )
            await self._upload_reply_images(reply, origin)

        return more

    # --- after the ack ------------------------------------------------------------------------

    async def deliver(self, intents: list[Intent], origin: Origin, t: Translator) -> None:
        """Carry out each intent; one that fails is logged and does not stop the others."""
        for intent in intents:
            try:
                await self._execute(intent, origin, t)
            except DeliveryError as exc:
                log.warning("could not deliver a %s to Slack: %s", type(intent).__name__, exc)

    async def _execute(self, intent: Intent, origin: Origin, t: Translator) -> None:
        match intent:
            case Reply():
                await self.reply(intent, origin, t)
            case OpenForm(form=form):
                await self.open_form(form, origin, t)
            case FormErrors(form=form) if origin.kind == "view" and origin.view_id:
                await self._update_view(origin, self.modal(form, origin, t))
            case CloseForm() if origin.kind == "view" and origin.view_id:
                done = notice_view(t("slack.done.title"), t("slack.done"), t("slack.close"))
                await self._update_view(origin, done)
            case PostMessage(conversation=where, message=message):
                await post_message(
                    self.client, where.channel_id, message, _note(t), thread_ts=where.thread_id
                )
            case UpdateMessage(target=target, message=message):
                channel, ts = split_message_id(target.message_id, target.conversation.channel_id)
                await update_message(self.client, channel, ts, message, _note(t))
            case PublishHome(user=user, message=message):
                view = home_view(message, _note(t))
                await api(self.client.views_publish(user_id=user.user_id, view=view))
            case SendDirect():
                log.error("a SendDirect reached the Slack adapter; the engine queues those")
            case _:
                log.info("nothing to do in Slack for a %s here", type(intent).__name__)

    async def _update_view(self, origin: Origin, view: dict[str, Any]) -> None:
        await api(self.client.views_update(view_id=origin.view_id, view=view))

    async def reply(self, reply: Reply, origin: Origin, t: Translator) -> None:
        """Answer where the request came from; a private answer that cannot, goes to a DM."""
        if origin.response_url and origin.kind != "event":
            payloads = message_payloads(reply.message, _note(t))
            in_channel = not reply.private or origin.bot_dm
            replace_first = reply.replace and origin.kind == "action" and bool(origin.message_ts)
            sent = True
            for i, payload in enumerate(payloads):
                body = {
                    **payload,
                    "response_type": "in_channel" if in_channel else "ephemeral",
                    "replace_original": replace_first and i == 0,
                }
                if not await self._post_response(origin.response_url, body):
                    sent = False
                    break
            if sent:
                await self._upload_reply_images(reply, origin)
                return
        await self._reply_by_api(reply, origin, t)

    async def _reply_by_api(self, reply: Reply, origin: Origin, t: Translator) -> None:
        note = _note(t)
        channel = origin.channel_id
        if (
            reply.replace
            and channel
            and origin.message_ts
            and not origin.message_is_ephemeral
            and origin.kind == "action"
        ):
            try:
                await update_message(self.client, channel, origin.message_ts, reply.message, note)
                return
            except DeliveryError as exc:
                log.info("could not replace the clicked message (%s); posting instead", exc)
        if channel and (origin.bot_dm or not reply.private):
            await post_message(
                self.client, channel, reply.message, note, thread_ts=origin.thread_ts
            )
            return
        if channel and origin.channel_kind != "dm":
            try:
                await post_ephemeral(
                    self.client,
                    channel,
                    origin.user_id,
                    reply.message,
                    note,
                    thread_ts=origin.thread_ts,
                )
                await self._upload_reply_images(reply, origin)
                return
            except DeliveryError as exc:
                log.info("could not answer in the channel (%s); answering in a DM", exc)
        await self.sender.send_direct(origin.user, reply.message)

    async def _upload_reply_images(self, reply: Reply, origin: Origin) -> None:
        """Charts: into the channel for a public answer, else into the person's DM."""
        if not data_images(reply.message):
            return
        try:
            if origin.channel_id and (origin.bot_dm or not reply.private):
                channel = origin.channel_id
            else:
                channel = await self.sender.dm_channel(origin.user)
            await upload_images(self.client, channel, reply.message, thread_ts=origin.thread_ts)
        except DeliveryError as exc:
            log.warning("could not upload a chart to Slack: %s", exc)

    async def _post_response(self, url: str, body: dict[str, Any]) -> bool:
        """POST to a ``response_url``; False when Slack refused it (expired, used up)."""
        try:
            async with self._http().post(url, json=body) as response:
                if response.status == 200:
                    return True
                log.info("a response_url answered HTTP %d", response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("a response_url failed: %s", type(exc).__name__)
        return False

    async def open_form(self, form: Form, origin: Origin, t: Translator) -> None:
        """Open the form as a modal with the request's trigger (pushed when inside a modal)."""
        view = self.modal(form, origin, t)
        if origin.kind == "view" and origin.view_id:
            await self._update_view(origin, view)
            return
        if not origin.trigger_id:
            # A plain DM has no trigger: say how to open the form, and what it asks.
            text = f"{t('slack.form_needs_command')}\n\n{form_text(form)}"
            await self.reply(Reply(_text(text)), origin, t)
            return
        try:
            if origin.view_type == "modal":
                await api(self.client.views_push(trigger_id=origin.trigger_id, view=view))
            else:
                await api(self.client.views_open(trigger_id=origin.trigger_id, view=view))
        except DeliveryError as exc:
            log.warning("could not open a Slack modal: %s", exc)
            await self.reply(Reply(_text(t("slack.form_expired"))), origin, t)

    async def refuse(self, origin: Origin, t: Translator) -> None:
        """Tell someone from another workspace, politely, that this bot is not theirs."""
        message = _text(t("slack.other_workspace"))
        if origin.response_url:
            body = {**message_payloads(message, "")[0], "response_type": "ephemeral"}
            await self._post_response(origin.response_url, body)
        elif origin.channel_id and origin.kind == "event":
            try:
                if origin.bot_dm:
                    await post_message(self.client, origin.channel_id, message, "")
                else:
                    await post_ephemeral(
                        self.client, origin.channel_id, origin.user_id, message, ""
                    )
            except DeliveryError as exc:
                log.info("could not tell a foreign user that the bot is not theirs: %s", exc)
