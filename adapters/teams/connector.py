"""The Bot Connector REST API (v3) on aiohttp: send, update, create a 1:1 conversation.

Outbound calls are plain HTTPS with a bearer token, the same whichever SDK handles inbound
authentication, so they are made here with the server's own HTTP client: no hidden retries,
no thread pool, and every failure becomes a typed ``bot.delivery`` error:

* 429 → ``RateLimited`` with the ``Retry-After`` seconds (1 when absent);
* 412, 5xx, timeouts and network errors → ``TransientError`` (``RateLimited`` when the answer
  carries a ``Retry-After``);
* 403 (bot blocked, uninstalled, user of another tenant) → ``Unreachable``;
* 404 → ``ConversationNotFound``; any other 4xx → ``PermanentError``.

Error messages hold the status and Teams' error code, never message content.

Where calls may go: a conversation's ``serviceUrl`` comes from an activity that was
authenticated (the token's ``serviceurl`` claim must equal it), so with credentials any
``https://`` service URL is called (``http://`` only on loopback: the bearer token never
travels in clear). In emulator mode (no credentials) only loopback service URLs are called:
the Bot Framework Emulator runs on this machine, and an unauthenticated request must not
make the bot call anywhere else. A refused URL is a ``PermanentError`` raised before any
token is fetched or any connection is opened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from adapters.teams.ratelimit import ConversationRateLimiter
from bot.core.loopback import is_loopback
from bot.outbox.delivery import PermanentError, RateLimited, TransientError, Unreachable

log = logging.getLogger(__name__)

#: Teams' global Bot Connector endpoint (used when no conversation told us a regional one).
PUBLIC_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
TRANSIENT_STATUSES = frozenset({408, 412, 500, 502, 503, 504})
DEFAULT_TIMEOUT = 15.0

JSON = dict[str, Any]
Authorization = Callable[[], Awaitable[str | None]]


class ConversationNotFound(PermanentError):
    """The conversation id is unknown to Teams (e.g. a stale stored reference)."""


def service_url_allowed(url: URL, *, loopback_only: bool) -> bool:
    """May the bot call this Bot Connector URL? Loopback always; elsewhere only over https,
    and never in emulator mode (``loopback_only``)."""
    if url.scheme not in ("http", "https") or not url.host:
        return False
    if is_loopback(url.host):
        return True
    return not loopback_only and url.scheme == "https"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def delivery_error(status: int, code: str, headers: Mapping[str, str]) -> Exception:
    """The typed error for a Bot Connector answer."""
    detail = f"teams connector answered {status} {code}".strip()
    retry_after = _retry_after(headers)
    if status == 429:
        return RateLimited(retry_after if retry_after is not None else 1.0, detail)
    if status in TRANSIENT_STATUSES or status >= 500:
        if retry_after is not None:
            return RateLimited(retry_after, detail)
        return TransientError(detail)
    if status == 403:
        return Unreachable(detail)
    if status == 404:
        return ConversationNotFound(detail)
    return PermanentError(detail)


def _error_code(body: object) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            return str(error["code"])[:60]
    return ""


class BotConnector:
    """Calls to the Bot Connector of one bot, with Teams' per-conversation rate limits."""

    def __init__(
        self,
        authorization: Authorization,
        *,
        limiter: ConversationRateLimiter | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        loopback_only: bool = False,
    ) -> None:
        """``loopback_only``: emulator mode, call no service URL but loopback ones."""
        self._authorization = authorization
        self.loopback_only = loopback_only
        self.limiter = limiter or ConversationRateLimiter()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def _url(self, service_url: str, *parts: str) -> URL:
        if not service_url.startswith(("https://", "http://")):
            raise PermanentError("the conversation's service URL is not an http(s) URL")
        base = service_url.rstrip("/") + "/v3/conversations"
        path = "".join("/" + quote(part, safe="") for part in parts)
        try:
            url = URL(base + path, encoded=True)
        except ValueError:
            raise PermanentError("the conversation's service URL is not a valid URL") from None
        if not service_url_allowed(url, loopback_only=self.loopback_only):
            where = "on loopback in emulator mode" if self.loopback_only else "over https"
            raise PermanentError(f"the conversation's service URL is not allowed (only {where})")
        return url

    async def _call(self, method: str, url: URL, body: JSON | None) -> JSON:
        headers = {"Content-Type": "application/json"}
        authorization = await self._authorization()
        if authorization:
            headers["Authorization"] = authorization
        try:
            async with self._http().request(method, url, json=body, headers=headers) as response:
                try:
                    answer: Any = await response.json(content_type=None)
                except ValueError:
                    answer = None
                if response.status >= 400:
                    raise delivery_error(response.status, _error_code(answer), response.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(f"teams connector unreachable: {type(exc).__name__}") from exc
        return answer if isinstance(answer, dict) else {}

    def _take_slot(self, conversation_id: str) -> None:
        wait = self.limiter.reserve(conversation_id)
        if wait > 0:
            raise RateLimited(wait, "teams per-conversation limit reached")

    async def send(self, service_url: str, conversation_id: str, activity: JSON) -> str:
        """Post an activity in a conversation (a thread id posts in the thread); its id."""
        url = self._url(service_url, conversation_id, "activities")
        self._take_slot(conversation_id)
        body = {**activity, "conversation": {"id": conversation_id}}
        answer = await self._call("POST", url, body)
        return str(answer.get("id") or "")

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: JSON
    ) -> str:
        """Replace an activity the bot sent earlier (a card whose button was pressed)."""
        url = self._url(service_url, conversation_id, "activities", activity_id)
        self._take_slot(conversation_id)
        body = {**activity, "id": activity_id, "conversation": {"id": conversation_id}}
        answer = await self._call("PUT", url, body)
        return str(answer.get("id") or activity_id)

    async def member_profile(self, service_url: str, conversation_id: str, user_id: str) -> JSON:
        """A conversation member's Teams profile (name, email, ``userPrincipalName``)."""
        url = self._url(service_url, conversation_id, "members", user_id)
        return await self._call("GET", url, None)

    async def create_personal_conversation(
        self, service_url: str, *, bot_id: str, user_id: str, tenant_id: str
    ) -> str:
        """Open (or find) the 1:1 conversation between the bot and a user; its id."""
        body: JSON = {
            "isGroup": False,
            "bot": {"id": bot_id},
            "members": [{"id": user_id}],
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        answer = await self._call("POST", self._url(service_url), body)
        conversation_id = answer.get("id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise TransientError("teams connector created a conversation without an id")
        return conversation_id


async def pause(seconds: float) -> None:
    """Wait before a retry (a seam: tests replace it so that nothing really sleeps)."""
    await asyncio.sleep(seconds)
