"""An in-process fake of the Bot Framework Connector service (REST API v3) as Teams runs it.

A Teams bot receives activities at ``POST /api/messages``; every activity carries a
``serviceUrl`` and the bot answers by calling the Connector REST API under that URL. This module
serves that API on ``127.0.0.1`` with aiohttp so that the real botbuilder stack
(``CloudAdapter`` → ``ConnectorClient`` → msrest → ``requests``) can be pointed at it:
put :attr:`FakeBotConnector.url` in the activities' ``serviceUrl``.

What it does, the way the Teams connector does it:

* routes live under a region path, like ``https://smba.trafficmanager.net/emea/``; a client that
  drops the path part of ``serviceUrl`` gets 404s, as it would in production;
* ``POST /v3/conversations`` creates (or finds) the stable 1:1 conversation with a known user and
  refuses unknown users (404), users of another tenant (403) and users who have not installed
  the app (403); with ``channelData.channel.id`` and an ``activity`` it starts a channel thread;
* send, reply, update, delete and members calls answer the JSON shapes msrest deserializes;
* errors are ``{"error": {"code": ..., "message": ...}}`` with Teams' codes
  (``ConversationBlockedByUser``, ``Throttled``, ``ActivityNotFoundInConversation``...), which
  botbuilder raises as ``botbuilder.schema.ErrorResponseException`` (status on
  ``exc.response.status_code``, code on ``exc.error.error.code``);
* optional per-conversation rate limiting (Teams: 7 per 1 s, 8 per 2 s, 60 per 30 s,
  1800 per hour, per bot per conversation) on an injectable clock, answering 429 with
  ``Retry-After``.

How botbuilder's transport behaves against it (msrest + ``requests`` + urllib3 2.x, run in a
thread executor): POST (send, reply, create) is never retried. GET, PUT and DELETE are retried up
to 3 times on 408 and 5xx except 501/505 (back-off 0 s, 1.6 s, 3.2 s) and on 413/429/503 that
carry ``Retry-After`` (sleeping that long); when those retries run out the caller gets
``msrest.exceptions.ClientRequestError`` (a ``requests`` ``RetryError``), not an
``ErrorResponseException``. With no Microsoft App ID no ``Authorization`` header is sent.

Every request is recorded in :attr:`FakeBotConnector.calls`; failures can be injected with
:meth:`FakeBotConnector.fail_next` and :meth:`FakeBotConnector.fail_ratio`.

Usage::

    async with FakeBotConnector() as fake:
        user = fake.add_user("29:1abc", "Ada", aad_object_id, tenant_id)
        activity = personal_message("help", user.user_id, ..., service_url=fake.url)
        await adapter.process_activity("", Activity().deserialize(activity), bot.on_turn)
        [reply] = fake.sent_activities()
"""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from testkit.clock import ManualClock as ManualClock  # re-exported for the tests

from .teams_activities import (
    DEFAULT_BOT_APP_ID,
    personal_conversation_id,
)

JSON = dict[str, Any]
Handler = Callable[["_Request"], Awaitable[web.Response]]

#: Teams' documented per-bot-per-conversation limits for sending/updating/deleting messages,
#: as ``(window in seconds, max operations in that window)``.
TEAMS_MESSAGE_RATE_LIMITS: tuple[tuple[float, int], ...] = ((1, 7), (2, 8), (30, 60), (3600, 1800))

#: Teams caps a message (text + attachments) at about 28 KB.
TEAMS_MAX_MESSAGE_BYTES = 28 * 1024

_ERROR_CODES: Mapping[int, tuple[str, str]] = {
    400: ("BadArgument", "Bad request."),
    401: ("Unauthorized", "Authorization has been denied for this request."),
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
    409: ("Conflict", "Conflict."),
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    413: ("MessageSizeTooBig", "Message size too large."),
    429: ("Throttled", "Too many requests."),
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("ServiceError", "Bad gateway."),
    503: ("ServiceUnavailable", "Service unavailable, please try again."),
    504: ("GatewayTimeout", "Gateway timeout."),
}


def error_body(status: int, code: str | None = None, message: str | None = None) -> JSON:
    """Return the Connector's error JSON for ``status``, with Teams' usual code and message."""
    default_code, default_message = _ERROR_CODES.get(status, ("ServiceError", "Error."))
    return {"error": {"code": code or default_code, "message": message or default_message}}


@dataclass
class RecordedCall:
    """One HTTP request the fake received, and the status it answered."""

    method: str
    path: str
    """Decoded path, without the region prefix: ``/v3/conversations/a:1…/activities``."""
    conversation_id: str | None
    activity_id: str | None
    json: Any
    headers: Mapping[str, str]
    at: float
    """Time of arrival, on the fake's clock."""
    status: int = 0
    response: Any = None

    @property
    def authorization(self) -> str | None:
        """The ``Authorization`` header, or ``None`` when the bot sent none (no app id)."""
        return next((v for k, v in self.headers.items() if k.lower() == "authorization"), None)

    @property
    def operation(self) -> str:
        """A short name of the Connector operation, e.g. ``"send"`` or ``"reply"``."""
        return _operation(self.method, self.path)


@dataclass
class FakeUser:
    """A Teams user the fake knows, as returned by the members API."""

    user_id: str
    name: str
    aad_object_id: str
    tenant_id: str
    locale: str | None = None
    email: str | None = None
    user_principal_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    installed: bool = True
    blocked: bool = False

    def channel_account(self) -> JSON:
        """Return the user as a ``TeamsChannelAccount`` JSON object."""
        given, _, last = self.name.partition(" ")
        upn = self.user_principal_name or self.email or f"{self.aad_object_id}@example.com"
        account: JSON = {
            "id": self.user_id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name or given,
            "surname": self.surname or last or None,
            "email": self.email or upn,
            "userPrincipalName": upn,
            "tenantId": self.tenant_id,
            "userRole": "user",
        }
        if self.locale:
            account["locale"] = self.locale
        return account


@dataclass
class FakeConversation:
    """A conversation the fake knows: its kind, members and current messages."""

    conversation_id: str
    conversation_type: str
    tenant_id: str | None = None
    member_ids: list[str] = field(default_factory=list)
    activities: dict[str, JSON] = field(default_factory=dict)
    """Current (updated, not deleted) activities sent by the bot, by id, in sending order."""


@dataclass
class _Fault:
    status: int
    remaining: int | None
    ratio: float | None
    rng: random.Random | None
    retry_after: int | None
    path_contains: str | None
    method: str | None
    body: JSON | str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_contains is None or self.path_contains in path


@dataclass
class _Request:
    raw: web.Request
    call: RecordedCall
    conversation_id: str | None
    activity_id: str | None
    member_id: str | None
    body: Any
    raw_body: bytes


def _operation(method: str, path: str) -> str:
    parts = path.strip("/").split("/")
    # parts: ["v3", "conversations", <cid>, "activities", <aid>] etc.
    if len(parts) == 2:
        return "create_conversation" if method == "POST" else "get_conversations"
    if len(parts) >= 4 and parts[3] == "activities":
        if len(parts) == 4:
            return "send"
        return {"POST": "reply", "PUT": "update", "DELETE": "delete"}.get(method, "unknown")
    if len(parts) >= 4 and parts[3] in ("members", "pagedmembers"):
        return "get_member" if len(parts) == 5 else "get_members"
    return "unknown"


def _conversation_type_for(conversation_id: str) -> str:
    if conversation_id.startswith("a:"):
        return "personal"
    if "@thread.tacv2" in conversation_id or "@thread.skype" in conversation_id:
        return "channel"
    return "groupChat"


def _thread_key(conversation_id: str) -> str:
    """Rate limits apply per conversation; a channel thread shares its channel's budget."""
    return conversation_id.split(";", 1)[0]


def _json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        charset="utf-8",
        headers=dict(headers or {}),
    )


class FakeBotConnector:
    """An aiohttp server that answers the Bot Connector v3 REST API like Teams does."""

    def __init__(
        self,
        *,
        region: str = "emea",
        bot_app_id: str = DEFAULT_BOT_APP_ID,
        strict_conversations: bool = False,
        rate_limit: bool = False,
        rate_limits: Sequence[tuple[float, int]] = TEAMS_MESSAGE_RATE_LIMITS,
        clock: Callable[[], float] = time.monotonic,
        max_message_bytes: int | None = TEAMS_MAX_MESSAGE_BYTES,
    ) -> None:
        """Configure the fake; call :meth:`start` (or use ``async with``) to serve it.

        :param region: first path segment of the service URL (Teams uses ``amer``, ``emea``...).
        :param bot_app_id: Microsoft App ID of the bot, used for 1:1 conversation ids.
        :param strict_conversations: answer 404 ``ConversationNotFound`` to calls on
            conversations never created nor registered with :meth:`add_conversation` (default:
            any conversation id is accepted and registered on first use).
        :param rate_limit: enforce ``rate_limits`` on message writes per conversation.
        :param rate_limits: ``(window seconds, max calls)`` pairs, all enforced together.
        :param clock: time source (seconds) for rate limiting and :attr:`RecordedCall.at`.
        :param max_message_bytes: answer 413 ``MessageSizeTooBig`` above this body size.
        """
        self.region = region.strip("/")
        self.bot_app_id = bot_app_id
        self.strict_conversations = strict_conversations
        self.rate_limit_enabled = rate_limit
        self.rate_limits = tuple(rate_limits)
        self.clock = clock
        self.max_message_bytes = max_message_bytes
        self.calls: list[RecordedCall] = []
        self.users: dict[str, FakeUser] = {}
        self.conversations: dict[str, FakeConversation] = {}
        self._sent: list[tuple[str, JSON]] = []
        self._faults: list[_Fault] = []
        self._rate_events: dict[str, deque[float]] = {}
        self._ids = itertools.count(int(time.time() * 1000))
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotConnector is already started")
        app = web.Application(client_max_size=16 * 1024 * 1024)
        prefix = f"/{self.region}/v3/conversations" if self.region else "/v3/conversations"
        routes: list[tuple[str, str, Handler]] = [
            ("POST", "", self._create_conversation),
            ("GET", "", self._get_conversations),
            ("POST", "/{cid}/activities", self._send),
            ("POST", "/{cid}/activities/{aid}", self._reply),
            ("PUT", "/{cid}/activities/{aid}", self._update),
            ("DELETE", "/{cid}/activities/{aid}", self._delete),
            ("GET", "/{cid}/members", self._get_members),
            ("GET", "/{cid}/pagedmembers", self._get_paged_members),
            ("GET", "/{cid}/members/{mid}", self._get_member),
        ]
        for method, suffix, handler in routes:
            app.router.add_route(method, prefix + suffix, self._wrap(handler))
        app.router.add_route("*", "/{tail:.*}", self._wrap(self._not_found))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving; recorded calls stay available."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def url(self) -> str:
        """The ``serviceUrl`` to put in activities, e.g. ``http://127.0.0.1:4321/emea/``."""
        if self._port is None:
            raise RuntimeError("FakeBotConnector is not started")
        path = f"/{self.region}/" if self.region else "/"
        return f"http://127.0.0.1:{self._port}{path}"

    # ------------------------------------------------------------------ directory

    def add_user(
        self,
        user_id: str,
        name: str,
        aad_object_id: str,
        tenant_id: str,
        locale: str | None = None,
        *,
        email: str | None = None,
        user_principal_name: str | None = None,
        installed: bool = True,
    ) -> FakeUser:
        """Register a Teams user and their 1:1 conversation with the bot.

        ``installed=False`` models a user who has not installed the app: creating a 1:1
        conversation with them answers 403, like Teams.
        """
        user = FakeUser(
            user_id=user_id,
            name=name,
            aad_object_id=aad_object_id,
            tenant_id=tenant_id,
            locale=locale,
            email=email,
            user_principal_name=user_principal_name,
            installed=installed,
        )
        self.users[user_id] = user
        conversation_id = self.personal_conversation_id(user_id)
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            self.conversations[conversation_id] = FakeConversation(
                conversation_id, "personal", tenant_id, [user_id]
            )
        return user

    def block_user(self, user_id: str) -> None:
        """Make sends to the user's 1:1 chat answer 403 ``ConversationBlockedByUser``."""
        self._user(user_id).blocked = True

    def unblock_user(self, user_id: str) -> None:
        """Undo :meth:`block_user`."""
        self._user(user_id).blocked = False

    def personal_conversation_id(self, user_id: str) -> str:
        """Return the stable 1:1 conversation id of ``user_id`` with this bot."""
        return personal_conversation_id(user_id, self.bot_app_id)

    def add_conversation(
        self,
        conversation_id: str,
        *,
        conversation_type: str | None = None,
        member_ids: Sequence[str] = (),
        tenant_id: str | None = None,
    ) -> FakeConversation:
        """Register a channel or group chat (and its members, for the members API)."""
        conversation = FakeConversation(
            conversation_id,
            conversation_type or _conversation_type_for(conversation_id),
            tenant_id,
            list(member_ids),
        )
        self.conversations[conversation_id] = conversation
        return conversation

    def _user(self, user_id: str) -> FakeUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id!r}; call add_user() first") from None

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        path_contains: str | None = None,
        *,
        method: str | None = None,
        body: JSON | str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status``.

        :param retry_after: seconds for the ``Retry-After`` header, sent with 429 and 503 only
            (``None``: no header). Note that for GET/PUT/DELETE the ``requests`` transport under
            botbuilder sleeps that long and retries by itself.
        :param path_contains: only requests whose decoded path contains this (e.g.
            ``"/activities"`` or a conversation id).
        :param method: only requests with this HTTP method.
        :param body: the response body (default: Teams' error JSON for the status); a ``str``
            is sent as ``text/html``, like a gateway error page.
        """
        self._faults.append(
            _Fault(status, times, None, None, retry_after, path_contains, method, body)
        )

    def fail_ratio(
        self,
        ratio: float,
        status: int = 500,
        seed: int = 0,
        *,
        retry_after: int | None = 1,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer a random ``ratio`` of matching requests with ``status`` (seeded, repeatable)."""
        if not 0.0 <= ratio <= 1.0:
            raise ValueError("ratio must be between 0 and 1")
        self._faults.append(
            _Fault(
                status,
                None,
                ratio,
                random.Random(seed),
                retry_after,
                path_contains,
                method,
                None,
            )
        )

    def clear_faults(self) -> None:
        """Forget every pending :meth:`fail_next` / :meth:`fail_ratio`."""
        self._faults.clear()

    def _injected_fault(self, method: str, path: str) -> web.Response | None:
        for fault in self._faults:
            if not fault.matches(method, path):
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            elif (
                fault.rng is not None
                and fault.ratio is not None
                and fault.rng.random() >= fault.ratio
            ):
                continue
            return self._error(fault.status, retry_after=fault.retry_after, body=fault.body)
        return None

    # ------------------------------------------------------------------ inspection

    def sent_activities(self, conversation_id: str | None = None) -> list[JSON]:
        """Activities the bot sent or replied (2xx only), in order, with their assigned ``id``.

        Filtering by a channel id also returns the activities sent to its threads. Later updates
        and deletions do not change this list; see :meth:`transcript` for the current state.
        """
        return [
            activity
            for cid, activity in self._sent
            if conversation_id is None
            or cid == conversation_id
            or _thread_key(cid) == conversation_id
        ]

    def transcript(self, conversation_id: str) -> list[JSON]:
        """The bot's messages in a conversation as a user now sees them (updates applied)."""
        conversation = self.conversations.get(conversation_id)
        return list(conversation.activities.values()) if conversation else []

    def calls_for(
        self,
        operation: str | None = None,
        *,
        conversation_id: str | None = None,
        status: int | None = None,
    ) -> list[RecordedCall]:
        """Recorded calls filtered by operation name (``"send"``, ``"update"``...), id, status."""
        return [
            call
            for call in self.calls
            if (operation is None or call.operation == operation)
            and (conversation_id is None or call.conversation_id == conversation_id)
            and (status is None or call.status == status)
        ]

    def clear(self) -> None:
        """Forget recorded calls and sent activities (users and conversations are kept)."""
        self.calls.clear()
        self._sent.clear()
        self._rate_events.clear()
        for conversation in self.conversations.values():
            conversation.activities.clear()

    def __iter__(self) -> Iterator[RecordedCall]:
        """Iterate over the recorded calls."""
        return iter(self.calls)

    # ------------------------------------------------------------------ plumbing

    def _new_activity_id(self) -> str:
        return str(next(self._ids))

    def _error(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        retry_after: int | None = None,
        body: JSON | str | None = None,
    ) -> web.Response:
        headers: dict[str, str] = {}
        if retry_after is not None and status in (429, 503):
            headers["Retry-After"] = str(max(0, math.ceil(retry_after)))
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/html", headers=headers)
        return _json_response(status, body or error_body(status, code, message), headers)

    def _wrap(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            raw_body = await request.read()
            body: Any = None
            bad_json = False
            if raw_body:
                try:
                    body = json.loads(raw_body)
                except ValueError:
                    bad_json = True
            path = request.path
            prefix = f"/{self.region}" if self.region else ""
            if prefix and path.startswith(prefix + "/"):
                path = path[len(prefix) :]
            cid = request.match_info.get("cid")
            aid = request.match_info.get("aid")
            call = RecordedCall(
                method=request.method,
                path=path,
                conversation_id=cid,
                activity_id=aid,
                json=body,
                headers=dict(request.headers),
                at=self.clock(),
            )
            self.calls.append(call)
            response = self._injected_fault(request.method, path)
            if response is None and bad_json:
                response = self._error(400, "BadSyntax", "Request body is not valid JSON.")
            if response is None:
                response = await handler(
                    _Request(request, call, cid, aid, request.match_info.get("mid"), body, raw_body)
                )
            call.status = response.status
            if response.text:
                try:
                    call.response = json.loads(response.text)
                except ValueError:
                    call.response = response.text
            return response

        return endpoint

    def _conversation(self, conversation_id: str) -> FakeConversation | None:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            root = self.conversations.get(_thread_key(conversation_id))
            if root is not None or not self.strict_conversations:
                conversation = FakeConversation(
                    conversation_id,
                    root.conversation_type if root else _conversation_type_for(conversation_id),
                    root.tenant_id if root else None,
                    list(root.member_ids) if root else [],
                )
                self.conversations[conversation_id] = conversation
        return conversation

    def _blocked_user(self, conversation: FakeConversation) -> FakeUser | None:
        if conversation.conversation_type != "personal":
            return None
        for user_id in conversation.member_ids:
            user = self.users.get(user_id)
            if user is not None and user.blocked:
                return user
        return None

    def _rate_limited(self, conversation_id: str) -> web.Response | None:
        if not self.rate_limit_enabled or not self.rate_limits:
            return None
        now = self.clock()
        events = self._rate_events.setdefault(_thread_key(conversation_id), deque())
        longest = max(window for window, _ in self.rate_limits)
        while events and events[0] <= now - longest:
            events.popleft()
        wait = 0.0
        for window, limit in self.rate_limits:
            in_window = [t for t in events if t > now - window]
            if len(in_window) >= limit:
                wait = max(wait, in_window[-limit] + window - now)
        if wait > 0:
            return self._error(
                429,
                "Throttled",
                "Too many requests for this conversation.",
                retry_after=max(1, math.ceil(wait)),
            )
        events.append(now)
        return None

    def _check_writable(
        self, request: _Request, *, message_body: bool
    ) -> tuple[FakeConversation | None, web.Response | None]:
        assert request.conversation_id is not None
        conversation = self._conversation(request.conversation_id)
        if conversation is None:
            return None, self._error(404, "ConversationNotFound", "Conversation not found.")
        if self._blocked_user(conversation) is not None:
            return None, self._error(
                403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
            )
        if message_body:
            problem = self._validate_activity(request)
            if problem is not None:
                return None, problem
        limited = self._rate_limited(request.conversation_id)
        if limited is not None:
            return None, limited
        return conversation, None

    def _validate_activity(self, request: _Request) -> web.Response | None:
        body = request.body
        if not isinstance(body, dict) or not body.get("type"):
            return self._error(400, "BadArgument", "Activity type is required.")
        if self.max_message_bytes is not None and len(request.raw_body) > self.max_message_bytes:
            return self._error(413, "MessageSizeTooBig", "Message size too large.")
        if body["type"] == "message" and not (
            body.get("text") or body.get("attachments") or body.get("suggestedActions")
        ):
            return self._error(400, "BadArgument", "Unknown activity type or empty message.")
        return None

    def _store(self, conversation: FakeConversation, activity: JSON) -> None:
        conversation.activities[activity["id"]] = activity
        self._sent.append((conversation.conversation_id, activity))

    # ------------------------------------------------------------------ handlers

    async def _not_found(self, request: _Request) -> web.Response:
        return self._error(404, "NotFound", f"No route for {request.raw.method} {request.raw.path}")

    async def _get_conversations(self, request: _Request) -> web.Response:
        conversations = [
            {
                "id": conversation.conversation_id,
                "members": [
                    self.users[m].channel_account() if m in self.users else {"id": m}
                    for m in conversation.member_ids
                ],
            }
            for conversation in self.conversations.values()
        ]
        return _json_response(200, {"conversations": conversations, "continuationToken": None})

    async def _create_conversation(self, request: _Request) -> web.Response:
        body = request.body
        if not isinstance(body, dict):
            return self._error(400, "BadArgument", "Conversation parameters are required.")
        channel_data = body.get("channelData") or {}
        # botbuilder-python serializes ConversationParameters.tenant_id as "tenantID"; the
        # real service binds JSON case-insensitively, so accept any casing.
        tenant_id = next(
            (value for key, value in body.items() if key.lower() == "tenantid" and value), None
        ) or (channel_data.get("tenant") or {}).get("id")
        channel_id = (channel_data.get("channel") or {}).get("id")
        initial = body.get("activity")

        if channel_id:
            if not isinstance(initial, dict):
                return self._error(400, "BadArgument", "An activity is required to start a thread.")
            root = self.conversations.get(channel_id)
            if root is None:
                if self.strict_conversations:
                    return self._error(404, "ConversationNotFound", "Channel not found.")
                root = self.add_conversation(
                    channel_id, conversation_type="channel", tenant_id=tenant_id
                )
            activity_id = self._new_activity_id()
            conversation = self._conversation(f"{channel_id};messageid={activity_id}")
            assert conversation is not None
            self._store(conversation, {**initial, "id": activity_id})
            return _json_response(
                201, {"id": conversation.conversation_id, "activityId": activity_id}
            )

        if body.get("isGroup"):
            return self._error(
                400, "BadArgument", "Bots cannot create group conversations in Teams."
            )
        members = body.get("members") or []
        if len(members) != 1 or not isinstance(members[0], dict) or not members[0].get("id"):
            return self._error(
                400, "BadArgument", "Exactly one member is required for a 1:1 conversation."
            )
        user = self.users.get(members[0]["id"])
        if user is None:
            return self._error(404, "NotFound", "User not found in tenant.")
        if tenant_id and tenant_id != user.tenant_id:
            return self._error(403, "Forbidden", "The user is not part of this tenant.")
        if not user.installed:
            return self._error(
                403, "ForbiddenOperationException", "Bot is not installed in user's personal scope"
            )
        conversation_id = self.personal_conversation_id(user.user_id)
        conversation = self.conversations.get(conversation_id) or FakeConversation(
            conversation_id, "personal", user.tenant_id, [user.user_id]
        )
        self.conversations[conversation_id] = conversation
        answer: JSON = {"id": conversation_id}
        if isinstance(initial, dict):
            if user.blocked:
                return self._error(
                    403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
                )
            activity_id = self._new_activity_id()
            self._store(conversation, {**initial, "id": activity_id})
            answer["activityId"] = activity_id
        return _json_response(201, answer)

    async def _send(self, request: _Request) -> web.Response:
        conversation, problem = self._check_writable(request, message_body=True)
        if problem is not None:
            return problem
        assert conversation is not None
        activity_id = self._new_activity_id()
        self._store(conversation, {**request.body, "id": activity_id})
        return _json_response(201, {"id": activity_id})

    async def _reply(self, request: _Request) -> web.Response:
        conversation, problem = self._check_writable(request, message_body=True)
        if problem is not None:
            return problem
        assert conversation is not None
        activity_id = self._new_activity_id()
        activity = {**request.body, "id": activity_id}
        activity.setdefault("replyToId", request.activity_id)
        self._store(conversation, activity)
        return _json_response(201, {"id": activity_id})

    async def _update(self, request: _Request) -> web.Response:
        conversation, problem = self._check_writable(request, message_body=True)
        if problem is not None:
            return problem
        assert conversation is not None
        assert request.activity_id is not None
        if request.activity_id not in conversation.activities:
            return self._error(404, "ActivityNotFoundInConversation", "The activity was not found.")
        conversation.activities[request.activity_id] = {
            **request.body,
            "id": request.activity_id,
        }
        return _json_response(200, {"id": request.activity_id})

    async def _delete(self, request: _Request) -> web.Response:
        conversation, problem = self._check_writable(request, message_body=False)
        if problem is not None:
            return problem
        assert conversation is not None
        assert request.activity_id is not None
        if conversation.activities.pop(request.activity_id, None) is None:
            return self._error(404, "ActivityNotFoundInConversation", "The activity was not found.")
        return web.Response(status=200)

    def _members_of(self, request: _Request) -> tuple[list[JSON] | None, web.Response | None]:
        assert request.conversation_id is not None
        conversation = self.conversations.get(request.conversation_id) or self.conversations.get(
            _thread_key(request.conversation_id)
        )
        if conversation is None:
            return None, self._error(404, "ConversationNotFound", "Conversation not found.")
        members = [
            self.users[m].channel_account() if m in self.users else {"id": m}
            for m in conversation.member_ids
        ]
        return members, None

    async def _get_members(self, request: _Request) -> web.Response:
        members, problem = self._members_of(request)
        return problem or _json_response(200, members)

    async def _get_paged_members(self, request: _Request) -> web.Response:
        members, problem = self._members_of(request)
        return problem or _json_response(200, {"members": members, "continuationToken": None})

    async def _get_member(self, request: _Request) -> web.Response:
        members, problem = self._members_of(request)
        if problem is not None:
            return problem
        assert members is not None
        for member in members:
            if request.member_id in (member["id"], member.get("aadObjectId")):
                return _json_response(200, member)
        return self._error(404, "MemberNotFoundInConversation", "Member not found in conversation.")
