"""Calling the Slack Web API: typed errors, messages with their uploads.

Every call goes through ``api()``, which turns slack_sdk's errors into the
typed delivery errors of ``bot.delivery``: the outbox worker and the glue
decide what to do from the type, never from an error string.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.blocks import data_images, message_payloads
from bot.core.model import Message
from bot.outbox.delivery import (
    DeliveryError,
    PermanentError,
    RateLimited,
    TransientError,
    Unreachable,
)

log = logging.getLogger(__name__)

# The person (or the whole app) cannot be reached any more: retrying will not help.
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "token_revoked",
        "team_access_not_granted",
        "team_not_found",
    }
)
# Slack's own troubles, answered with HTTP 200: retry later.
TRANSIENT = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "ratelimited",
        "bad_gateway",
        "timeout",
    }
)


def build_client(
    token: str, base_url: str, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client with slack_sdk's connection, rate-limit and server-error retries."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=1),
        ],
    )


def _retry_after(headers: Mapping[str, Any] | None) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``…), or an empty string."""
    response = exc.response
    data = getattr(response, "data", None)
    if isinstance(data, Mapping):
        return str(data.get("error") or "")
    return ""


def delivery_error(exc: Exception) -> DeliveryError:
    """The typed delivery error for a failed Web API call."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, SlackApiError):
        status = int(getattr(exc.response, "status_code", 200) or 200)
        code = error_code(exc)
        if status == 429:
            return RateLimited(_retry_after(getattr(exc.response, "headers", None)), "ratelimited")
        if status >= 500 or code in TRANSIENT:
            return TransientError(code or f"http {status}")
        if code in UNREACHABLE:
            return Unreachable(code)
        return PermanentError(code or f"http {status}")
    if isinstance(
        exc, aiohttp.ClientError | TimeoutError | asyncio.TimeoutError | SlackClientError
    ):
        return TransientError(type(exc).__name__)
    return PermanentError(type(exc).__name__)


async def api(call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await a Web API call, raising typed delivery errors."""
    try:
        return await call
    except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
        raise delivery_error(exc) from exc


async def post_message(
    client: AsyncWebClient,
    channel: str,
    message: Message,
    cut_note: str,
    *,
    thread_ts: str | None = None,
) -> tuple[str, str]:
    """Post a message (split when long), then upload its chart images: (channel id, first ts)."""
    first: tuple[str, str] | None = None
    for payload in message_payloads(message, cut_note):
        # After the first part, the channel Slack answered with (a user id becomes a DM id).
        target = first[0] if first else channel
        response = await api(
            client.chat_postMessage(channel=target, thread_ts=thread_ts, **payload)
        )
        posted = (str(response.get("channel") or target), str(response.get("ts") or ""))
        first = first or posted
    assert first is not None
    await upload_images(client, first[0], message, thread_ts=thread_ts)
    return first


async def post_ephemeral(
    client: AsyncWebClient,
    channel: str,
    user: str,
    message: Message,
    cut_note: str,
    *,
    thread_ts: str | None = None,
) -> None:
    """An ephemeral message to one person in a channel."""
    for payload in message_payloads(message, cut_note):
        await api(
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **payload)
        )


async def update_message(
    client: AsyncWebClient, channel: str, ts: str, message: Message, cut_note: str
) -> None:
    """Replace a message the bot posted (only the first Slack message's worth fits)."""
    payload = message_payloads(message, cut_note)[0]
    await api(client.chat_update(channel=channel, ts=ts, **payload))


async def upload_images(
    client: AsyncWebClient, channel: str, message: Message, *, thread_ts: str | None = None
) -> int:
    """Upload the message's ``data:`` images (charts) to the channel; the text stays in the message.

    A failed upload is logged, not raised: the message already carries the same facts as text.
    """
    uploaded = 0
    for image in data_images(message):
        try:
            await api(
                client.files_upload_v2(
                    channel=channel,
                    file=image.content,
                    filename=image.filename,
                    title=image.alt[:250] or image.filename,
                    alt_txt=image.alt[:1000] or None,
                    thread_ts=thread_ts,
                )
            )
            uploaded += 1
        except DeliveryError as exc:
            log.warning("could not upload a chart to Slack: %s", exc)
    return uploaded
