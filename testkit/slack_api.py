"""In-process fake of the Slack Web API, served by aiohttp on 127.0.0.1.

The fake speaks the wire protocol that ``slack_sdk``'s ``AsyncWebClient`` uses:

* ``POST``/``GET`` ``/api/<method>`` with arguments in the query string, a
  form-encoded (or multipart) body, or a JSON body;
* the token in ``Authorization: Bearer …`` (or a ``token`` form/query field);
* answers are JSON ``{"ok": true, …}`` / ``{"ok": false, "error": "…"}`` with
  HTTP 200, except injected faults and rate limits (HTTP 429 with a
  ``Retry-After`` header, HTTP 5xx).

It also serves the upload URLs handed out by ``files.getUploadURLExternal`` and
``response_url`` endpoints (see :meth:`FakeSlackApi.new_response_url`), and
Socket Mode: ``apps.connections.open`` hands out a loopback WebSocket on which
:meth:`FakeSlackApi.socket_request` sends envelopes and returns the app's ack.

Usage::

    async with FakeSlackApi() as fake:
        fake.add_user("U0001", "alice", "Alice Martin")
        fake.add_channel("C0001", "general")
        client = AsyncWebClient(token=fake.token, base_url=fake.base_url)
        await client.chat_postMessage(channel="C0001", text="hi")
        assert fake.calls_to("chat.postMessage")[0].args["text"] == "hi"
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import math
import mimetypes
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from multidict import CIMultiDict

from testkit.clock import ManualClock

if TYPE_CHECKING:
    from slack_sdk.http_retry.async_handler import AsyncRetryHandler
    from slack_sdk.web.async_client import AsyncWebClient

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "FakeSlackApi",
    "ManualClock",
    "UploadedFile",
]

JsonDict = dict[str, Any]

DEFAULT_TOKEN = "xoxb-test-token"
"""The bot token a :class:`FakeSlackApi` accepts unless told otherwise."""

TRIGGER_TTL_S = 3.0
"""Lifetime of a ``trigger_id`` (Slack: 3 seconds)."""

RESPONSE_URL_TTL_S = 30 * 60.0
"""Lifetime of a ``response_url`` (Slack: 30 minutes)."""

RESPONSE_URL_MAX_USES = 5
"""How many times a ``response_url`` can be used (Slack: 5)."""

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_LENGTH = 40_000
MAX_CONVERSATION_USERS = 8

# Arguments that slack_sdk sends JSON-encoded inside form bodies (or as JSON
# values inside JSON bodies); they are recorded decoded.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")

_TS_BASE_US = 1_700_000_000_000_100
_EPOCH_BASE = 1_700_000_000

# Pseudo-methods under which non-API endpoints are recorded (and can be
# targeted by fault injection).
RESPONSE_URL_METHOD = "response_url"
FILE_UPLOAD_METHOD = "file_upload"


# --------------------------------------------------------------------------
# Public helper types
# --------------------------------------------------------------------------


@dataclass
class Call:
    """One request received by the fake.

    ``args`` merges query string and body; JSON-valued arguments (``blocks``,
    ``attachments``, ``view``, ``metadata``, ``files``) are decoded when they
    are valid JSON. ``at`` is the fake's clock at arrival. ``status`` and
    ``response`` are what the fake answered.
    """

    method: str
    args: dict[str, Any]
    headers: Mapping[str, str]
    at: float
    status: int = 200
    response: Any = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded (2xx and, for API methods, ``ok: true``)."""
        if not 200 <= self.status < 300:
            return False
        if isinstance(self.response, dict):
            return bool(self.response.get("ok"))
        return True

    @property
    def error(self) -> str | None:
        """The Slack ``error`` code answered, if any."""
        if isinstance(self.response, dict):
            err = self.response.get("error")
            return str(err) if err is not None else None
        if not self.ok and isinstance(self.response, str):
            return self.response
        return None


@dataclass
class UploadedFile:
    """A file going through ``files.getUploadURLExternal`` → upload → complete."""

    file_id: str
    filename: str
    length: int
    upload_key: str
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    completed: bool = False
    title: str | None = None
    channel_ids: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None


# --------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------


class _SlackError(Exception):
    """Raised by method handlers to answer ``{"ok": false, "error": …}``."""

    def __init__(self, error: str, *, status: int = 200, messages: Iterable[str] = ()) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.messages = list(messages)

    def body(self) -> JsonDict:
        out: JsonDict = {"ok": False, "error": self.error}
        if self.messages:
            out["response_metadata"] = {"messages": self.messages}
        return out


def _missing(field_name: str) -> _SlackError:
    return _SlackError(
        "invalid_arguments", messages=[f"[ERROR] missing required field: {field_name}"]
    )


def _invalid(message: str) -> _SlackError:
    return _SlackError("invalid_arguments", messages=[f"[ERROR] {message}"])


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int | None
    remaining: int


@dataclass
class _RatioFault:
    ratio: float
    status: int
    error: str
    retry_after: int | None
    rng: random.Random


@dataclass
class _TokenBucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = max(self.updated, now)

    def wait_time(self, now: float) -> float:
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass
class _RateLimits:
    per_channel_per_s: float
    workspace_per_s: float
    channel_burst: float
    workspace_burst: float
    methods: frozenset[str]
    channels: dict[str, _TokenBucket] = field(default_factory=dict)
    workspace: _TokenBucket | None = None
    # Per-method tiers (calls per minute), each a bucket of its own.
    tiers: Mapping[str, float] = field(default_factory=dict)
    tier_buckets: dict[str, _TokenBucket] = field(default_factory=dict)


# Slack's documented method tiers (calls per minute) for the methods the bot calls besides
# chat.postMessage (which has its own per-channel and workspace limits): Tier 3 for
# conversations.open, Tier 4 for users.info, views.* and chat.postEphemeral.
SLACK_TIERS: Mapping[str, float] = {
    "conversations.open": 50.0,
    "users.info": 100.0,
    "views.open": 100.0,
    "views.update": 100.0,
    "views.push": 100.0,
    "views.publish": 100.0,
    "chat.postEphemeral": 100.0,
}


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class _ResponseUrl:
    url: str
    issued_at: float
    posts: list[JsonDict] = field(default_factory=list)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _tz_info(tz: str) -> tuple[int, str]:
    """Return (offset seconds now, short label) for an IANA zone."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return 0, tz
    offset = now.utcoffset()
    return (int(offset.total_seconds()) if offset else 0), (now.tzname() or tz)


def _stable_id(prefix: str, key: str) -> str:
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest().upper()
    return f"{prefix}{digest[:10]}"


def _error_text_for_status(status: int) -> str:
    return {
        429: "ratelimited",
        500: "internal_error",
        502: "bad_gateway",
        503: "service_unavailable",
        504: "request_timeout",
    }.get(status, "fatal_error")


# --------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------

_Handler = Callable[[JsonDict], JsonDict]


class FakeSlackApi:
    """An aiohttp server that mimics the Slack Web API for one workspace.

    Point ``AsyncWebClient(token=..., base_url=fake.base_url)`` at it (i.e.
    ``f"{fake.url}/api/"``). All state is public enough for assertions:
    :attr:`calls`, :meth:`messages_by_channel`, :attr:`views`,
    :attr:`home_views`, :attr:`ephemeral_messages`, :attr:`uploaded_files`.
    """

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        team_id: str = "T0001",
        team_name: str = "Test Workspace",
        team_domain: str = "test-workspace",
        bot_user_id: str = "U0BOT",
        bot_name: str = "mentorbot",
        bot_id: str = "B0BOT",
        app_id: str = "A0APP",
        channels: Iterable[str] = (),
        clock: Callable[[], float] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Configure the fake workspace; call :meth:`start` (or ``async with``) to serve it.

        ``tokens`` are the valid bot tokens; ``channels`` are channel ids the
        bot is a member of (more with :meth:`add_channel`); ``clock`` returns
        monotonic seconds (defaults to :func:`time.monotonic`).
        """
        self.tokens: set[str] = {tokens} if isinstance(tokens, str) else set(tokens)
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.bot_id = bot_id
        self.app_id = app_id
        self.clock: Callable[[], float] = clock or time.monotonic
        self._host = host
        self._port = port

        self.calls: list[Call] = []
        self.users: dict[str, JsonDict] = {}
        self.channels: dict[str, JsonDict] = {}
        self.views: dict[str, JsonDict] = {}
        self.home_views: dict[str, str] = {}
        self.ephemeral_messages: list[JsonDict] = []
        self.uploaded_files: dict[str, UploadedFile] = {}

        self._messages: dict[str, dict[str, JsonDict]] = {}
        self._post_order: list[tuple[str, str]] = []
        self._modal_stacks: dict[str, list[str]] = {}
        self._dm_ids: dict[frozenset[str], str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._uploads_by_key: dict[str, UploadedFile] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._ratio_faults: dict[str, _RatioFault] = {}
        self._rate_limits: _RateLimits | None = None
        self._last_ts_us = 0
        self._clock_origin: float | None = None
        self._counter = 0
        self._condition = asyncio.Condition()

        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_acks: dict[str, asyncio.Future[JsonDict]] = {}
        self._url: str | None = None

        self._handlers: dict[str, _Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "apps.connections.open": self._apps_connections_open,
        }

        self.add_user(
            bot_user_id,
            bot_name,
            bot_name,
            tz="America/Los_Angeles",
            locale="en-US",
            is_bot=True,
        )
        for channel_id in channels:
            self.add_channel(channel_id)

    # ------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------

    async def start(self) -> None:
        """Bind ``host`` (127.0.0.1) on a free port and start serving."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{key}", self._handle_upload)
        app.router.add_get("/socket-mode/link", self._handle_socket)
        app.router.add_post(
            "/{kind:commands|actions}/{team}/{n}/{secret}", self._handle_response_url
        )
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop serving and release the port."""
        runner, self._runner = self._runner, None
        for ws in list(self._sockets):
            await ws.close()
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeSlackApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running fake."""
        if self._url is None:
            raise RuntimeError("FakeSlackApi is not started")
        return self._url

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give ``AsyncWebClient`` (``{url}/api/``)."""
        return f"{self.url}/api/"

    @property
    def token(self) -> str:
        """One valid bot token (the default one if still configured)."""
        if DEFAULT_TOKEN in self.tokens:
            return DEFAULT_TOKEN
        return sorted(self.tokens)[0]

    def web_client(
        self,
        *,
        token: str | None = None,
        retry_handlers: list[AsyncRetryHandler] | None = None,
        **kwargs: Any,
    ) -> AsyncWebClient:
        """Build an ``AsyncWebClient`` pointed at the fake (token defaults to :attr:`token`)."""
        from slack_sdk.web.async_client import AsyncWebClient

        return AsyncWebClient(
            token=token if token is not None else self.token,
            base_url=self.base_url,
            retry_handlers=retry_handlers,
            **kwargs,
        )

    # ------------------------------------------------------------------
    # Workspace set-up
    # ------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str,
        tz: str = "Europe/Paris",
        locale: str = "fr-FR",
        team_id: str | None = None,
        *,
        display_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        tz_offset: int | None = None,
    ) -> JsonDict:
        """Register (or replace) a user; returns the stored user object.

        ``tz_offset`` defaults to the zone's current UTC offset in seconds.
        """
        offset, label = _tz_info(tz)
        if tz_offset is not None:
            offset = tz_offset
        team = team_id or self.team_id
        display = display_name if display_name is not None else name
        profile: JsonDict = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display,
            "display_name_normalized": display,
            "first_name": real_name.split(" ")[0] if real_name else "",
            "last_name": " ".join(real_name.split(" ")[1:]),
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": hashlib.md5(user_id.encode(), usedforsecurity=False).hexdigest()[:12],
            "image_72": f"https://avatars.slack-edge.com/{user_id}_72.png",
            "team": team,
        }
        if email is not None:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = self.bot_id
            profile["api_app_id"] = self.app_id
        user: JsonDict = {
            "id": user_id,
            "team_id": team,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": label,
            "tz_offset": offset,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": _EPOCH_BASE,
            "is_email_confirmed": email is not None,
            "locale": locale,
        }
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
    ) -> JsonDict:
        """Register (or replace) a channel; returns the stored channel object.

        Posting to a private channel the bot is not in answers
        ``channel_not_found``; to a public one, ``not_in_channel``.
        """
        channel: JsonDict = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_member": is_member,
            "created": _EPOCH_BASE,
            "creator": self.bot_user_id,
            "context_team_id": self.team_id,
        }
        self.channels[channel_id] = channel
        return channel

    def dm_channel_id(self, *user_ids: str) -> str:
        """The (stable) conversation id ``conversations.open`` gives for these users.

        A hash of the user set (``D…`` for one user, ``G…`` for several),
        unless fixed with :meth:`add_dm`.
        """
        members = frozenset(u for u in user_ids if u != self.bot_user_id)
        fixed = self._dm_ids.get(members)
        if fixed is not None:
            return fixed
        prefix = "D" if len(members) == 1 else "G"
        return _stable_id(prefix, f"{self.team_id}:{','.join(sorted(members))}")

    def add_dm(self, user_id: str, channel_id: str | None = None) -> str:
        """Open the app's DM with ``user_id`` (optionally under a chosen id, e.g. ``"D0001"``).

        Useful when a test event names a DM channel: replies to it then work,
        and ``conversations.open`` for that user returns the same id.
        """
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id!r}: add_user() first")
        if channel_id is not None:
            self._dm_ids[frozenset({user_id})] = channel_id
        return str(self._open_conversation([user_id])[0]["id"])

    def add_token(self, token: str) -> None:
        """Accept one more bot token."""
        self.tokens.add(token)

    # ------------------------------------------------------------------
    # Interactivity helpers
    # ------------------------------------------------------------------

    def new_trigger_id(self, user_id: str) -> str:
        """Issue a ``trigger_id`` for ``user_id``, valid once for 3 s of :attr:`clock`."""
        self._counter += 1
        trigger_id = f"{_EPOCH_BASE + self._counter}.{self._numeric_team()}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user_id=user_id, issued_at=self.clock())
        return trigger_id

    def new_response_url(self, kind: str = "commands") -> str:
        """Issue a ``response_url`` served by the fake (``kind``: commands|actions).

        JSON posted to it is recorded as a
        :class:`Call` with method ``"response_url"``.
        """
        if kind not in ("commands", "actions"):
            raise ValueError("kind must be 'commands' or 'actions'")
        self._counter += 1
        n = _EPOCH_BASE + self._counter
        url = f"{self.url}/{kind}/{self.team_id}/{n}/{secrets.token_hex(12)}"
        self._response_urls[url] = _ResponseUrl(url=url, issued_at=self.clock())
        return url

    # ------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------

    def calls_to(self, method: str, *, only_ok: bool = False) -> list[Call]:
        """Calls received for ``method`` (``"response_url"``/``"file_upload"`` included)."""
        return [c for c in self.calls if c.method == method and (c.ok or not only_ok)]

    async def wait_for_calls(
        self,
        method: str,
        n: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented test-helper signature
        *,
        only_ok: bool = False,
    ) -> list[Call]:
        """Wait until ``n`` calls to ``method`` were received; return them.

        Raises :class:`TimeoutError` (with what was received) after ``timeout``.
        """

        seen = matched = 0

        def enough() -> bool:  # incremental scan: O(new calls) per wake-up
            nonlocal seen, matched
            calls = self.calls
            if len(calls) < seen:  # the list was cleared meanwhile
                seen = matched = 0
            for i in range(seen, len(calls)):
                call = calls[i]
                if call.method == method and (call.ok or not only_ok):
                    matched += 1
            seen = len(calls)
            return matched >= n

        try:
            async with asyncio.timeout(timeout), self._condition:
                await self._condition.wait_for(enough)
        except TimeoutError:
            got = len(self.calls_to(method, only_ok=only_ok))
            raise TimeoutError(
                f"waited {timeout}s for {n} call(s) to {method}, got {got}"
            ) from None
        return self.calls_to(method, only_ok=only_ok)

    def messages_by_channel(self) -> dict[str, list[JsonDict]]:
        """Messages posted with ``chat.postMessage``, per channel, in posting order.

        Each is a copy of the stored message, with edits applied.
        """
        out: dict[str, list[JsonDict]] = {}
        for channel_id, ts in self._post_order:
            msg = copy.deepcopy(self._messages[channel_id][ts])
            out.setdefault(channel_id, []).append(msg)
        return out

    def duplicate_messages(self) -> dict[tuple[str, str], int]:
        """Posted messages whose content was posted more than once to a channel.

        Keys are ``(channel_id, fingerprint)`` where the fingerprint is the
        JSON of ``text``, ``blocks`` and ``thread_ts`` as posted; values are the
        number of copies (≥ 2).
        """
        counts: dict[tuple[str, str], int] = {}
        for channel_id, ts in self._post_order:
            msg = self._messages[channel_id][ts]
            key = (channel_id, msg["_fingerprint"])
            counts[key] = counts.get(key, 0) + 1
        return {k: v for k, v in counts.items() if v > 1}

    def duplicate_count(self) -> int:
        """Total number of extra copies across :meth:`duplicate_messages`."""
        return sum(v - 1 for v in self.duplicate_messages().values())

    # ------------------------------------------------------------------
    # Fault injection and rate limits
    # ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail with HTTP ``status``.

        429 answers carry ``Retry-After: <retry_after>`` and
        ``{"ok": false, "error": "ratelimited"}``; 5xx answers a JSON error
        body. ``method`` may be ``"*"`` for any method.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        fault = _Fault(
            status=status,
            error=error or _error_text_for_status(status),
            retry_after=retry_after if status == 429 else None,
            remaining=times,
        )
        self._faults.setdefault(method, []).append(fault)

    def fail_with_error(self, method: str, error: str, times: int = 1) -> None:
        """Make the next ``times`` calls to ``method`` answer ``{"ok": false, "error": error}``.

        The answer is HTTP 200, as Slack answers its API errors.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        self._faults.setdefault(method, []).append(
            _Fault(status=200, error=error, retry_after=None, remaining=times)
        )

    def fail_ratio(
        self,
        method: str,
        ratio: float,
        status: int = 500,
        seed: int = 0,
        *,
        retry_after: int | None = 1,
        error: str | None = None,
    ) -> None:
        """Make a share ``ratio`` of calls to ``method`` fail (deterministic for a ``seed``).

        ``status`` 200 with ``error`` gives Slack-style ``ok: false`` answers.
        Replaces any previous ratio for ``method``; ``ratio=0`` disables it.
        """
        if not 0.0 <= ratio <= 1.0:
            raise ValueError("ratio must be within [0, 1]")
        if ratio == 0.0:
            self._ratio_faults.pop(method, None)
            return
        self._ratio_faults[method] = _RatioFault(
            ratio=ratio,
            status=status,
            error=error or _error_text_for_status(status),
            retry_after=retry_after if status == 429 else None,
            rng=random.Random(seed),
        )

    def clear_faults(self, method: str | None = None) -> None:
        """Remove injected faults (for ``method``, or all)."""
        if method is None:
            self._faults.clear()
            self._ratio_faults.clear()
        else:
            self._faults.pop(method, None)
            self._ratio_faults.pop(method, None)

    def enforce_rate_limits(
        self,
        per_channel_per_s: float = 1.0,
        workspace_per_s: float = 20.0,
        *,
        channel_burst: float = 1.0,
        workspace_burst: float | None = None,
        methods: Iterable[str] = ("chat.postMessage",),
        tiers: Mapping[str, float] = SLACK_TIERS,
    ) -> None:
        """Answer 429 + ``Retry-After`` when a channel or the workspace posts too fast,
        or a method is called faster than its tier allows.

        Token buckets on :attr:`clock`: each channel refills
        ``per_channel_per_s`` tokens/s up to ``channel_burst``; the workspace
        refills ``workspace_per_s`` up to ``workspace_burst`` (default: one
        second's worth). A call takes one token from both, or is rejected.
        Each method of ``tiers`` has a bucket of its calls per minute, with a
        burst of a tenth of a minute's worth.
        """
        if per_channel_per_s <= 0 or workspace_per_s <= 0:
            raise ValueError("rates must be positive")
        self._rate_limits = _RateLimits(
            per_channel_per_s=per_channel_per_s,
            workspace_per_s=workspace_per_s,
            channel_burst=max(1.0, channel_burst),
            workspace_burst=max(
                1.0, workspace_burst if workspace_burst is not None else workspace_per_s
            ),
            methods=frozenset(methods),
            tiers=dict(tiers),
        )

    # ------------------------------------------------------------------
    # HTTP plumbing
    # ------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._condition:
            self._condition.notify_all()

    async def _read_args(self, request: web.Request) -> tuple[JsonDict, str | None]:
        """Merge query string and body; also return a ``token`` sent outside JSON."""
        args: JsonDict = dict(request.query)
        form_token: str | None = request.query.get("token")
        content_type = request.content_type
        if request.method in ("POST", "PUT") and request.can_read_body:
            if content_type == "application/json":
                raw = await request.read()
                if raw.strip():
                    try:
                        body = json.loads(raw)
                    except (ValueError, UnicodeDecodeError) as exc:
                        raise _SlackError("invalid_json") from exc
                    if not isinstance(body, dict):
                        raise _SlackError("invalid_json")
                    args.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        args[key] = value.file.read()
                    else:
                        args[key] = value
                token_field = form.get("token")
                if isinstance(token_field, str):
                    form_token = token_field
            else:
                raw = await request.read()
                if raw:
                    args["_raw_body"] = raw
        for key in _JSON_ARGS:
            encoded = args.get(key)
            if isinstance(encoded, str):
                # left as a string when invalid: the method handler reports it
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(encoded)
        return args, form_token

    def _take_fault(self, method: str) -> _Fault | _RatioFault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
                return fault
        for key in (method, "*"):
            ratio_fault = self._ratio_faults.get(key)
            if ratio_fault is not None and ratio_fault.rng.random() < ratio_fault.ratio:
                return ratio_fault
        return None

    @staticmethod
    def _fault_answer(fault: _Fault | _RatioFault) -> tuple[int, JsonDict, dict[str, str]]:
        headers: dict[str, str] = {}
        if fault.status == 429:
            headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else 1)
        return fault.status, {"ok": False, "error": fault.error}, headers

    def _check_token(self, form_token: str | None, headers: Mapping[str, str]) -> None:
        # Like Slack: Bearer header, or a ``token`` form/query field (never in a JSON body).
        token: str | None = None
        auth = headers.get("Authorization", "")
        if auth:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                token = value.strip()
            else:
                raise _SlackError("invalid_auth")
        elif form_token:
            token = form_token
        if token is None:
            raise _SlackError("not_authed")
        if token not in self.tokens:
            raise _SlackError("invalid_auth")

    def _check_rate_limit(self, method: str, args: JsonDict) -> int | None:
        """Return a Retry-After (s) if the call is over the limits, else take tokens."""
        limits = self._rate_limits
        if limits is None:
            return None
        now = self.clock()
        per_minute = limits.tiers.get(method)
        if per_minute is not None:
            tier = limits.tier_buckets.get(method)
            if tier is None:
                burst = max(1.0, per_minute / 10)
                tier = limits.tier_buckets[method] = _TokenBucket(
                    per_minute / 60, burst, burst, now
                )
            wait = tier.wait_time(now)
            if wait > 0:
                return max(1, math.ceil(wait))
            tier.take()
        if method not in limits.methods:
            return None
        raw_channel = str(args.get("channel") or "")
        if raw_channel in self.users:  # a user id posts in the DM with them: its bucket
            channel_key = self.dm_channel_id(raw_channel)
        else:
            try:
                channel_key = self._resolve_channel(raw_channel, create_dm=False)["id"]
            except _SlackError:
                channel_key = raw_channel
        bucket = limits.channels.get(channel_key)
        if bucket is None:
            bucket = _TokenBucket(
                limits.per_channel_per_s, limits.channel_burst, limits.channel_burst, now
            )
            limits.channels[channel_key] = bucket
        if limits.workspace is None:
            limits.workspace = _TokenBucket(
                limits.workspace_per_s, limits.workspace_burst, limits.workspace_burst, now
            )
        wait = max(bucket.wait_time(now), limits.workspace.wait_time(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        bucket.take()
        limits.workspace.take()
        return None

    def _dispatch(
        self,
        method: str,
        args: JsonDict,
        form_token: str | None,
        headers: Mapping[str, str],
    ) -> tuple[int, JsonDict, dict[str, str]]:
        fault = self._take_fault(method)
        if fault is not None:
            return self._fault_answer(fault)
        handler = self._handlers.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        try:
            self._check_token(form_token, headers)
            retry_after = self._check_rate_limit(method, args)
            if retry_after is not None:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            return 200, handler(args), {}
        except _SlackError as exc:
            return exc.status, exc.body(), {}

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        at = self.clock()
        headers = CIMultiDict(request.headers)
        try:
            args, form_token = await self._read_args(request)
        except _SlackError as exc:
            extra: dict[str, str] = {}
            status, body, args = exc.status, exc.body(), {}
        else:
            status, body, extra = self._dispatch(method, args, form_token, headers)
        await self._record(
            Call(method=method, args=args, headers=headers, at=at, status=status, response=body)
        )
        return web.json_response(body, status=status, headers=extra)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        at = self.clock()
        headers = CIMultiDict(request.headers)
        upload = self._uploads_by_key.get(request.match_info["key"])
        if request.content_type == "multipart/form-data":
            form = await request.post()
            content = b""
            for value in form.values():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    break
                content = value.encode() if isinstance(value, str) else bytes(value)
        else:
            content = await request.read()
        args: JsonDict = {"file_id": upload.file_id if upload else None, "size": len(content)}
        fault = self._take_fault(FILE_UPLOAD_METHOD)
        if fault is not None:
            status, text = fault.status, fault.error
        elif upload is None:
            status, text = 404, "not_found"
        else:
            upload.content = content
            status, text = 200, f"OK - {len(content)}"
        await self._record(
            Call(
                method=FILE_UPLOAD_METHOD,
                args=args,
                headers=headers,
                at=at,
                status=status,
                response=text,
            )
        )
        return web.Response(status=status, text=text, content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        at = self.clock()
        headers = CIMultiDict(request.headers)
        url = f"{self.url}{request.path}"
        raw = await request.read()
        payload: Any
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        args: JsonDict = payload if isinstance(payload, dict) else {"_raw_body": raw}
        entry = self._response_urls.get(url)
        fault = self._take_fault(RESPONSE_URL_METHOD)
        status, text = 200, "ok"
        if fault is not None:
            status, text = fault.status, fault.error
        elif entry is None:
            status, text = 404, "invalid_url"
        elif at - entry.issued_at > RESPONSE_URL_TTL_S or len(entry.posts) >= RESPONSE_URL_MAX_USES:
            status, text = 404, "expired_url"
        elif not isinstance(payload, dict):
            status, text = 400, "invalid_payload"
        elif not (
            payload.get("text")
            or payload.get("blocks")
            or payload.get("attachments")
            or _truthy(payload.get("delete_original"))
        ):
            status, text = 400, "no_text"
        else:
            entry.posts.append(payload)
        await self._record(
            Call(
                method=RESPONSE_URL_METHOD,
                args=args,
                headers=headers,
                at=at,
                status=status,
                response=text,
            )
        )
        extra = (
            {"Retry-After": str(fault.retry_after or 1)}
            if fault is not None and fault.status == 429
            else {}
        )
        return web.Response(status=status, text=text, content_type="text/html", headers=extra)

    # ------------------------------------------------------------------
    # Id / ts generation
    # ------------------------------------------------------------------

    def _new_ts(self) -> str:
        now = self.clock()
        if self._clock_origin is None:
            self._clock_origin = now
        candidate = _TS_BASE_US + int((now - self._clock_origin) * 1_000_000)
        value = max(candidate, self._last_ts_us + 1)
        self._last_ts_us = value
        return f"{value // 1_000_000}.{value % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter:010d}"

    def _numeric_team(self) -> int:
        return int(hashlib.sha1(self.team_id.encode(), usedforsecurity=False).hexdigest()[:9], 16)

    def _epoch_now(self) -> int:
        origin = self._clock_origin if self._clock_origin is not None else self.clock()
        return max(_EPOCH_BASE + int(self.clock() - origin), self._last_ts_us // 1_000_000)

    # ------------------------------------------------------------------
    # Shared validation
    # ------------------------------------------------------------------

    def _resolve_channel(self, value: str, *, create_dm: bool) -> JsonDict:
        value = value.strip()
        if not value:
            raise _SlackError("channel_not_found")
        channel = self.channels.get(value)
        if channel is not None:
            return channel
        name = value.lstrip("#")
        for candidate in self.channels.values():
            if candidate.get("name") == name and not candidate.get("is_im"):
                return candidate
        user = self.users.get(value)
        if user is not None and not user["deleted"] and value != self.bot_user_id:
            channel_id = self.dm_channel_id(value)
            existing = self.channels.get(channel_id)
            if existing is not None:
                return existing
            if create_dm:
                return self._open_conversation([value])[0]
        raise _SlackError("channel_not_found")

    def _postable_channel(self, value: Any) -> JsonDict:
        channel = self._resolve_channel(str(value or ""), create_dm=True)
        if not channel["is_member"]:
            raise _SlackError("channel_not_found" if channel["is_private"] else "not_in_channel")
        if channel.get("is_archived"):
            raise _SlackError("is_archived")
        return channel

    @staticmethod
    def _blocks(
        value: Any, *, limit: int, format_error: str, error: str, pointer: str
    ) -> list[JsonDict]:
        if value is None:
            return []
        if not isinstance(value, list):
            # a string here failed JSON decoding in _read_args
            raise _SlackError(
                format_error, messages=[f"[ERROR] expected a JSON array [json-pointer:{pointer}]"]
            )
        if len(value) > limit:
            raise _SlackError(
                error,
                messages=[f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"],
            )
        for i, block in enumerate(value):
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                raise _SlackError(
                    error,
                    messages=[f"[ERROR] missing required field: type [json-pointer:{pointer}/{i}]"],
                )
        return value

    def _message_content(self, args: JsonDict, *, require: bool = True) -> JsonDict:
        text = args.get("text")
        text = "" if text is None else str(text)
        markdown_text = args.get("markdown_text")
        blocks = self._blocks(
            args.get("blocks"),
            limit=MAX_MESSAGE_BLOCKS,
            format_error="invalid_blocks_format",
            error="invalid_blocks",
            pointer="/blocks",
        )
        attachments = args.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise _SlackError("invalid_attachments")
        if require and not (text or blocks or attachments or markdown_text):
            raise _SlackError("no_text")
        if len(text) > MAX_TEXT_LENGTH:
            raise _SlackError("msg_too_long")
        content: JsonDict = {"text": text}
        if blocks:
            content["blocks"] = blocks
        if attachments:
            content["attachments"] = attachments
        if markdown_text:
            content["markdown_text"] = str(markdown_text)
        return content

    def _bot_profile(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "name": self.bot_name,
            "icons": {"image_48": f"https://avatars.slack-edge.com/{self.bot_id}_48.png"},
            "deleted": False,
            "updated": _EPOCH_BASE,
            "team_id": self.team_id,
        }

    # ------------------------------------------------------------------
    # Methods
    # ------------------------------------------------------------------

    def _auth_test(self, args: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: JsonDict) -> JsonDict:
        channel = self._postable_channel(args.get("channel"))
        content = self._message_content(args)
        ts = self._new_ts()
        message: JsonDict = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "bot_profile": self._bot_profile(),
            **content,
        }
        thread_ts = args.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
            parent = self._messages.get(channel["id"], {}).get(str(thread_ts))
            if parent is not None:
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent.setdefault("thread_ts", parent["ts"])
        if args.get("metadata") is not None:
            message["metadata"] = args["metadata"]
        stored = copy.deepcopy(message)
        stored["_fingerprint"] = json.dumps(
            {
                "text": content["text"],
                "blocks": content.get("blocks"),
                "thread_ts": message.get("thread_ts"),
            },
            sort_keys=True,
        )
        self._messages.setdefault(channel["id"], {})[ts] = stored
        self._post_order.append((channel["id"], ts))
        return {"ok": True, "channel": channel["id"], "ts": ts, "message": message}

    def _stored_message(self, channel: JsonDict, ts: Any) -> JsonDict:
        if not ts:
            raise _SlackError("message_not_found")
        msg = self._messages.get(channel["id"], {}).get(str(ts))
        if msg is None:
            raise _SlackError("message_not_found")
        return msg

    @staticmethod
    def _public(message: JsonDict) -> JsonDict:
        return {k: copy.deepcopy(v) for k, v in message.items() if not k.startswith("_")}

    def _chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        channel = self._postable_channel(args.get("channel"))
        user_id = str(args.get("user") or "")
        if not user_id:
            raise _missing("user")
        if user_id not in self.users:
            raise _SlackError("user_not_found")
        content = self._message_content(args)
        ts = self._new_ts()
        self.ephemeral_messages.append(
            {"channel": channel["id"], "user": user_id, "ts": ts, **content}
        )
        return {"ok": True, "message_ts": ts}

    def _chat_update(self, args: JsonDict) -> JsonDict:
        channel = self._resolve_channel(str(args.get("channel") or ""), create_dm=False)
        msg = self._stored_message(channel, args.get("ts"))
        has_text = args.get("text") is not None
        has_blocks = args.get("blocks") is not None
        content = self._message_content(args, require=False)
        if not (has_text or has_blocks or args.get("attachments") is not None):
            raise _SlackError("no_text")
        if has_text:
            msg["text"] = content["text"]
        if has_blocks:
            if content.get("blocks"):
                msg["blocks"] = content["blocks"]
            else:
                msg.pop("blocks", None)
        if "attachments" in content:
            msg["attachments"] = content["attachments"]
        msg["edited"] = {"user": self.bot_user_id, "ts": self._new_ts()}
        return {
            "ok": True,
            "channel": channel["id"],
            "ts": msg["ts"],
            "text": msg["text"],
            "message": self._public(msg),
        }

    def _open_conversation(self, user_ids: list[str]) -> tuple[JsonDict, bool]:
        channel_id = self.dm_channel_id(*user_ids)
        existing = self.channels.get(channel_id)
        if existing is not None:
            return existing, True
        members = sorted({u for u in user_ids if u != self.bot_user_id})
        channel: JsonDict
        if len(members) == 1:
            channel = {
                "id": channel_id,
                "created": self._epoch_now(),
                "is_im": True,
                "is_mpim": False,
                "is_private": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "user": members[0],
                "is_user_deleted": False,
                "priority": 0,
                "is_member": True,
                "is_archived": False,
            }
        else:
            names = [self.users[u]["name"] for u in members] + [self.bot_name]
            channel = {
                "id": channel_id,
                "name": "mpdm-" + "--".join(names) + "-1",
                "created": self._epoch_now(),
                "creator": self.bot_user_id,
                "is_channel": False,
                "is_group": False,
                "is_im": False,
                "is_mpim": True,
                "is_private": True,
                "is_archived": False,
                "is_member": True,
                "context_team_id": self.team_id,
                "members": [*members, self.bot_user_id],
            }
        self.channels[channel_id] = channel
        return channel, False

    def _conversations_open(self, args: JsonDict) -> JsonDict:
        return_im = _truthy(args.get("return_im"))
        raw_users = args.get("users")
        if raw_users:
            if isinstance(raw_users, list):
                user_ids = [str(u).strip() for u in raw_users]
            else:
                user_ids = [u.strip() for u in str(raw_users).split(",")]
            user_ids = [u for u in user_ids if u]
            for user_id in user_ids:
                user = self.users.get(user_id)
                if user is None:
                    raise _SlackError("user_not_found")
                if user["deleted"]:
                    raise _SlackError("user_disabled")
            others = {u for u in user_ids if u != self.bot_user_id}
            if not others:
                raise _SlackError("cannot_dm_bot")
            if len(others) > MAX_CONVERSATION_USERS:
                raise _SlackError("too_many_users")
            channel, already = self._open_conversation(user_ids)
        elif args.get("channel"):
            channel = self._resolve_channel(str(args["channel"]), create_dm=False)
            already = True
        else:
            raise _SlackError("users_list_not_supplied")
        body: JsonDict = {"ok": True}
        if already:
            body["no_op"] = True
            body["already_open"] = True
        body["channel"] = copy.deepcopy(channel) if return_im else {"id": channel["id"]}
        return body

    def _users_info(self, args: JsonDict) -> JsonDict:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise _SlackError("user_not_found")
        out = copy.deepcopy(user)
        if not _truthy(args.get("include_locale")):
            out.pop("locale", None)
        return {"ok": True, "user": out}

    # -- views -----------------------------------------------------------

    def _parse_view(self, args: JsonDict, allowed_types: tuple[str, ...]) -> JsonDict:
        view = args.get("view")
        if view is None:
            raise _missing("view")
        if isinstance(view, str):
            raise _invalid("failed to parse view as JSON")
        if not isinstance(view, dict):
            raise _invalid("view must be an object")
        view_type = view.get("type")
        if view_type not in allowed_types:
            raise _invalid(f"must be one of {', '.join(allowed_types)} [json-pointer:/view/type]")
        if view_type == "modal" and not isinstance(view.get("title"), dict):
            raise _invalid("missing required field: title [json-pointer:/view]")
        if "blocks" not in view:
            raise _invalid("missing required field: blocks [json-pointer:/view]")
        self._blocks(
            view["blocks"],
            limit=MAX_VIEW_BLOCKS,
            format_error="invalid_arguments",
            error="invalid_arguments",
            pointer="/view/blocks",
        )
        external_id = view.get("external_id")
        if external_id:
            for existing in self.views.values():
                if existing.get("external_id") == external_id and existing["id"] != args.get(
                    "view_id"
                ):
                    raise _SlackError("duplicate_external_id")
        return view

    def _consume_trigger(self, args: JsonDict) -> _Trigger:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise _missing("trigger_id")
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise _SlackError("invalid_trigger_id")
        if trigger.used:
            raise _SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > TRIGGER_TTL_S:
            raise _SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _new_hash(self) -> str:
        return f"{self._epoch_now()}.{secrets.token_hex(4)}"

    def _build_view(
        self,
        spec: JsonDict,
        view_id: str,
        *,
        previous_view_id: str | None,
        root_view_id: str,
        user_id: str | None,
    ) -> JsonDict:
        view: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec["type"],
            "blocks": copy.deepcopy(spec.get("blocks", [])),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": copy.deepcopy(spec.get("title")),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": copy.deepcopy(spec.get("close")),
            "submit": copy.deepcopy(spec.get("submit")),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if user_id is not None:
            view["_user_id"] = user_id
        self.views[view_id] = view
        return view

    def _views_open(self, args: JsonDict) -> JsonDict:
        spec = self._parse_view(args, ("modal",))
        trigger = self._consume_trigger(args)
        view_id = self._new_id("V")
        view = self._build_view(
            spec, view_id, previous_view_id=None, root_view_id=view_id, user_id=trigger.user_id
        )
        self._modal_stacks[trigger.user_id] = [view_id]
        return {"ok": True, "view": self._public(view)}

    def _views_push(self, args: JsonDict) -> JsonDict:
        spec = self._parse_view(args, ("modal",))
        trigger = self._consume_trigger(args)
        stack = self._modal_stacks.setdefault(trigger.user_id, [])
        if len(stack) >= 3:
            raise _SlackError("push_limit_reached")
        view_id = self._new_id("V")
        view = self._build_view(
            spec,
            view_id,
            previous_view_id=stack[-1] if stack else None,
            root_view_id=stack[0] if stack else view_id,
            user_id=trigger.user_id,
        )
        stack.append(view_id)
        return {"ok": True, "view": self._public(view)}

    def _find_view(self, args: JsonDict) -> JsonDict:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise _missing("view_id")
        if view_id:
            found = self.views.get(str(view_id))
        else:
            found = next(
                (v for v in self.views.values() if v.get("external_id") == external_id), None
            )
        if found is None:
            raise _SlackError("not_found")
        return found

    def _views_update(self, args: JsonDict) -> JsonDict:
        current = self._find_view(args)
        spec = self._parse_view({**args, "view_id": current["id"]}, ("modal", "home"))
        if args.get("hash") and str(args["hash"]) != current["hash"]:
            raise _SlackError("hash_conflict")
        view = self._build_view(
            spec,
            current["id"],
            previous_view_id=current["previous_view_id"],
            root_view_id=current["root_view_id"],
            user_id=current.get("_user_id"),
        )
        return {"ok": True, "view": self._public(view)}

    def _views_publish(self, args: JsonDict) -> JsonDict:
        user_id = str(args.get("user_id") or "")
        if not user_id:
            raise _missing("user_id")
        if user_id not in self.users:
            raise _SlackError("user_not_found")
        existing_id = self.home_views.get(user_id)
        spec = self._parse_view({**args, "view_id": existing_id}, ("home",))
        if (
            existing_id
            and args.get("hash")
            and str(args["hash"]) != self.views[existing_id]["hash"]
        ):
            raise _SlackError("hash_conflict")
        view_id = existing_id or self._new_id("V")
        view = self._build_view(
            spec, view_id, previous_view_id=None, root_view_id=view_id, user_id=user_id
        )
        self.home_views[user_id] = view_id
        return {"ok": True, "view": self._public(view)}

    def view_for(self, view_id: str) -> JsonDict:
        """The current state of a view opened/pushed/updated/published through the fake."""
        return self._public(self.views[view_id])

    def home_view(self, user_id: str) -> JsonDict | None:
        """The App Home view last published for ``user_id``, if any."""
        view_id = self.home_views.get(user_id)
        return self.view_for(view_id) if view_id else None

    # -- Socket Mode ---------------------------------------------------------

    def _apps_connections_open(self, args: JsonDict) -> JsonDict:
        # Slack answers a wss:// URL; the fake serves plain ws:// on loopback.
        return {"ok": True, "url": f"ws{self.url[4:]}/socket-mode/link"}

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": self.app_id},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
            }
        )
        async with self._condition:
            self._condition.notify_all()
        try:
            async for message in ws:
                if message.type != web.WSMsgType.TEXT:
                    continue
                with contextlib.suppress(ValueError):
                    data = json.loads(message.data)
                    future = self._socket_acks.pop(str(data.get("envelope_id")), None)
                    if future is not None and not future.done():
                        future.set_result(data)
        finally:
            self._sockets.remove(ws)
        return ws

    async def socket_request(
        self,
        kind: str,
        payload: JsonDict,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test-helper signature, like wait_for_calls
    ) -> JsonDict:
        """Send one Socket Mode envelope to the connected app and return its ack.

        ``kind`` is ``slash_commands``, ``interactive`` or ``events_api``;
        ``payload`` is what Slack would have POSTed over HTTP (a slash command's
        fields as a dict, an interaction payload, an Events API envelope).
        """
        async with asyncio.timeout(timeout):
            async with self._condition:
                await self._condition.wait_for(lambda: bool(self._sockets))
            envelope_id = secrets.token_hex(8)
            future: asyncio.Future[JsonDict] = asyncio.get_running_loop().create_future()
            self._socket_acks[envelope_id] = future
            await self._sockets[-1].send_json(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": 0,
                    "retry_reason": "",
                }
            )
            return await future

    # -- files -------------------------------------------------------------

    def _files_get_upload_url_external(self, args: JsonDict) -> JsonDict:
        filename = str(args.get("filename") or "")
        if not filename:
            raise _missing("filename")
        raw_length = args.get("length")
        if raw_length in (None, ""):
            raise _missing("length")
        try:
            length = int(raw_length)
        except (TypeError, ValueError):
            raise _invalid("length must be an integer") from None
        if length <= 0:
            raise _invalid("length must be greater than 0")
        file_id = self._new_id("F")
        key = secrets.token_urlsafe(16)
        upload = UploadedFile(
            file_id=file_id,
            filename=filename,
            length=length,
            upload_key=key,
            alt_txt=args.get("alt_txt"),
            snippet_type=args.get("snippet_type"),
        )
        self.uploaded_files[file_id] = upload
        self._uploads_by_key[key] = upload
        return {"ok": True, "upload_url": f"{self.url}/upload/v1/{key}", "file_id": file_id}

    def _files_complete_upload_external(self, args: JsonDict) -> JsonDict:
        files = args.get("files")
        if files is None:
            raise _missing("files")
        if not isinstance(files, list) or not files:
            raise _invalid("files must be a non-empty JSON array")
        uploads: list[tuple[UploadedFile, str | None]] = []
        for item in files:
            if not isinstance(item, dict) or not item.get("id"):
                raise _invalid("missing required field: id [json-pointer:/files]")
            upload = self.uploaded_files.get(str(item["id"]))
            if upload is None or upload.content is None:
                raise _SlackError("file_not_found")
            uploads.append((upload, item.get("title")))
        channel_ids: list[str] = []
        if args.get("channel_id"):
            channel_ids.append(self._postable_channel(args["channel_id"])["id"])
        if args.get("channels"):
            for raw in str(args["channels"]).split(","):
                if raw.strip():
                    channel_ids.append(self._postable_channel(raw)["id"])
        out: list[JsonDict] = []
        created = self._epoch_now()
        for upload, title in uploads:
            upload.completed = True
            upload.title = str(title) if title else upload.filename
            upload.channel_ids = channel_ids
            upload.initial_comment = args.get("initial_comment")
            upload.thread_ts = args.get("thread_ts")
            mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            ext = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "binary"
            out.append(
                {
                    "id": upload.file_id,
                    "created": created,
                    "timestamp": created,
                    "name": upload.filename,
                    "title": upload.title,
                    "mimetype": mimetype,
                    "filetype": ext,
                    "user": self.bot_user_id,
                    "user_team": self.team_id,
                    "editable": False,
                    "size": len(upload.content or b""),
                    "mode": "hosted",
                    "is_external": False,
                    "is_public": False,
                    "alt_txt": upload.alt_txt,
                    "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{upload.file_id}/{upload.filename}",
                    "permalink": (
                        f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/{upload.file_id}/{upload.filename}"
                    ),
                    "channels": list(channel_ids),
                    "groups": [],
                    "ims": [],
                    "comments_count": 0,
                }
            )
        return {"ok": True, "files": out}
